import { loadConfigOrExit, startServices } from './run-services.js';
import { startSandbox } from './sandbox.js';

/**
 * Every service in one process: `npm start`. PONTIS_SERVICES narrows it. With nothing external
 * configured, the sandbox's real peer servers start first and the adapters point at them.
 */
const configured = loadConfigOrExit();
const sandbox = configured.sandbox ? await startSandbox(configured) : undefined;
const app = await startServices(sandbox?.config ?? configured);
if (sandbox) {
  sandbox.attach(app);
  const stop = async () => {
    await app.close();
    await sandbox.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
