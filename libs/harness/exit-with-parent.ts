/**
 * Preloaded into the Pontis process under test (`node --import …/exit-with-parent.js main.js`).
 * The runner holds the other end of Pontis' stdin; if the runner dies without stopping Pontis
 * (SIGKILL, crash), that pipe closes and Pontis gets a SIGTERM, i.e. it shuts down its normal
 * way instead of lingering as an orphan on its port. It does not keep the event loop alive.
 */
// Not in a process forked with an IPC channel (a peer server the sandbox started, which inherits
// this preload through execArgv with stdin ignored): it follows its parent by the channel instead.
if (!process.stdin.isTTY && !process.send) {
  process.stdin.on('end', () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  process.stdin.on('error', () => undefined);
  process.stdin.resume();
  (process.stdin as { unref?: () => void }).unref?.();
}
export {};
