/**
 * A relay for tests that answers each REQ with whatever the test scripts, then EOSE: what a real
 * relay would refuse to serve (forged events, broken frames) is the point. A frame is a message
 * (sent as JSON), a raw string, or raw bytes sent as a TEXT frame (ws does not check what it sends:
 * that is how a bad relay sends invalid UTF-8).
 */
import { WebSocketServer } from 'ws';

export type RelayFrame = unknown[] | string | Buffer;

export async function scriptedRelay(framesFor: (sub: string) => RelayFrame[]): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as unknown[];
      if (msg[0] !== 'REQ') return;
      const sub = String(msg[1]);
      for (const frame of framesFor(sub)) {
        if (Buffer.isBuffer(frame)) ws.send(frame, { binary: false });
        else ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
      }
      ws.send(JSON.stringify(['EOSE', sub]));
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}
