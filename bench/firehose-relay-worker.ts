import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer } from 'ws';

/**
 * The firehose bench's stand-in relay, on a worker thread so that sending frames does not take
 * time on the thread being measured: serves the captured `subscribeRepos` frames to whoever
 * connects, as fast as the socket takes them, then idles. Posts its port, then 'closed' on 'close'.
 */
const frames = (workerData as { frames: Uint8Array[] }).frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength));
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => parentPort!.postMessage({ port: (wss.address() as AddressInfo).port }));
wss.on('connection', (socket) => {
  let i = 0;
  // In slices, yielding between them, so the socket's own flow control applies.
  const pump = () => {
    while (i < frames.length && socket.bufferedAmount < 4 * 1024 * 1024) socket.send(frames[i++]!);
    if (i < frames.length && socket.readyState === socket.OPEN) setTimeout(pump, 1);
  };
  pump();
});
parentPort!.on('message', (msg: unknown) => {
  if (msg !== 'close') return;
  for (const c of wss.clients) c.terminate();
  wss.close(() => {
    parentPort!.postMessage('closed');
    parentPort!.close();
  });
});
