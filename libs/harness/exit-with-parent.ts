/**
 * Preloaded into the Pontis process under test (`node --import …/exit-with-parent.js main.js`).
 * The runner holds the other end of Pontis' stdin; if the runner dies without stopping Pontis
 * (SIGKILL, crash), that pipe closes and Pontis gets a SIGTERM, i.e. it shuts down its normal
 * way instead of lingering as an orphan on its port. It does not keep the event loop alive.
 */
if (!process.stdin.isTTY) {
  process.stdin.on('end', () => {
    setTimeout(() => process.exit(1), 10_000).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  process.stdin.on('error', () => undefined);
  process.stdin.resume();
  (process.stdin as { unref?: () => void }).unref?.();
}
export {};
