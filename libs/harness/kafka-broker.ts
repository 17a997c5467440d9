/**
 * A Kafka broker of our own for fault tests: deploy/kafka/kafka.sh (the project's one way to run a
 * broker) on free ports with its data under a temp dir, so a test may restart it without touching
 * the shared broker other tests use.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './pontis-process.js';
import { freePort, oneLine } from './util.js';

export interface KafkaBrokerOptions {
  /** Data directory (log dirs, config, broker.log). */
  dataDir: string;
  port?: number;
  controllerPort?: number;
}

export class KafkaBroker {
  port = 0;
  controllerPort = 0;

  constructor(private readonly opts: KafkaBrokerOptions) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    this.port ||= this.opts.port ?? (await freePort());
    this.controllerPort ||= this.opts.controllerPort ?? (await freePort());
    await this.script('start');
    return this.brokers;
  }

  /** SIGTERM (controlled shutdown), SIGKILL after 30 s; safe when not running. */
  stop(): Promise<void> {
    return this.script('stop');
  }

  async restart(): Promise<void> {
    await this.script('stop');
    await this.script('start');
  }

  private script(cmd: 'start' | 'stop'): Promise<void> {
    const env = { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_DATA: this.opts.dataDir };
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [join(REPO_ROOT, 'deploy', 'kafka', 'kafka.sh'), cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kafka.sh ${cmd} on port ${this.port} failed (${code}): ${oneLine(err)}`))));
    });
  }
}
