import { runServices } from './run-services.js';
import { startSandbox } from './sandbox.js';

/** Every service in one process: `npm start`. PONTIS_SERVICES narrows it; PONTIS_SANDBOX=0 skips the peers. */
const { app, config } = await runServices();
if (config.sandbox) {
  const stopSandbox = await startSandbox(app, config.networks);
  const stop = async () => {
    await stopSandbox();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
