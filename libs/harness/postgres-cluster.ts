/**
 * A PostgreSQL cluster of our own for fault tests: Debian's initdb + pg_ctl on a free port with the
 * data directory under a temp dir, so a test may stop it hard (`pg_ctl stop -m immediate`, what a
 * crash looks like to the clients) without touching the machine's shared Postgres.
 *
 * initdb refuses to run as root; as root every command runs as the `postgres` user (runuser) and
 * the data directory belongs to that user. fsync is off (we simulate a process crash, not a power
 * cut); synchronous_commit stays on, so a commit the server acknowledged survives the crash.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, oneLine } from './util.js';

export interface PostgresClusterOptions {
  /** Parent directory; the cluster lives in `<dir>/pgdata`. Must be traversable by the postgres user. */
  dir: string;
  /** Default: a free port. */
  port?: number;
  /** Default: the newest /usr/lib/postgresql/<version>/bin. */
  binDir?: string;
}

/** The newest Debian PostgreSQL server binaries on this machine. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))) : [];
  if (!versions.length) throw new Error('no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

export class PostgresCluster {
  readonly dataDir: string;
  readonly logFile: string;
  private readonly binDir: string;
  private readonly asRoot = userInfo().uid === 0;
  port = 0;

  constructor(private readonly opts: PostgresClusterOptions) {
    this.binDir = opts.binDir ?? postgresBinDir();
    this.dataDir = join(opts.dir, 'pgdata');
    this.logFile = join(opts.dir, 'postgres.log');
  }

  /** postgres://postgres@127.0.0.1:<port>/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb (first time only), then start. */
  async start(): Promise<string> {
    this.port ||= this.opts.port ?? (await freePort());
    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      mkdirSync(this.dataDir, { recursive: true });
      // The temp dir above is root's and 0700 by default: the server must reach its data and log.
      chmodSync(this.opts.dir, 0o755);
      chmodSync(this.dataDir, 0o700);
      if (this.asRoot) {
        const pg = this.postgresIds();
        chownSync(this.dataDir, pg.uid, pg.gid);
        spawnSync('touch', [this.logFile]);
        chownSync(this.logFile, pg.uid, pg.gid);
      }
      this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    }
    this.pgCtl('start');
    return this.url;
  }

  /** `pg_ctl stop -m immediate`: no checkpoint, clients cut off, recovery on the next start. */
  crash(): void {
    this.run('pg_ctl', ['-D', this.dataDir, 'stop', '-m', 'immediate', '-w']);
  }

  async restart(): Promise<void> {
    this.crash();
    this.pgCtl('start');
  }

  /** Fast shutdown; safe when not running. */
  stop(): void {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    this.run('pg_ctl', ['-D', this.dataDir, 'stop', '-m', 'fast', '-w'], true);
  }

  private pgCtl(cmd: 'start'): void {
    const o = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dataDir} -c fsync=off -c full_page_writes=off -c max_connections=200`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', o, '-w', '-t', '60', cmd]);
  }

  private postgresIds(): { uid: number; gid: number } {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (!line) throw new Error('running as root needs a postgres user to own the cluster (initdb refuses root)');
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  }

  private run(tool: string, args: string[], tolerate = false): void {
    const bin = join(this.binDir, tool);
    const r = this.asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8' }) : spawnSync(bin, args, { encoding: 'utf8' });
    if (r.status !== 0 && !tolerate) {
      const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-600) : '';
      throw new Error(`postgres ${tool} ${args[args.length - 1]} failed (${r.status ?? r.error?.message}): ${oneLine(`${r.stderr ?? ''} ${log}`)}`);
    }
  }
}
