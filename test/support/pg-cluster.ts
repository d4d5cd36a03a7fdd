import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis';

/**
 * Throwaway PostgreSQL clusters for the outbox and change-capture tests: `initdb` into a temporary
 * directory, a postmaster on its own loopback port with `wal_level=logical`, trust auth. The machine's own
 * server (5432) is never touched. Server binaries come from Debian's `postgresql` (scripts/ensure-postgres.sh
 * installs it in CI); `PG_BINDIR` overrides where they are.
 */

let bin: string | null | undefined;

/** The folder holding initdb/pg_ctl/postgres, or null when PostgreSQL's server is not installed. */
export function pgBinDir(): string | null {
  if (bin !== undefined) return bin;
  const candidates = process.env.PG_BINDIR ? [process.env.PG_BINDIR] : [];
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  bin = candidates.find((dir) => existsSync(join(dir, 'initdb'))) ?? null;
  return bin;
}

/**
 * `describe` for tests that need a throwaway PostgreSQL. When the server binaries are missing: in CI (`CI`
 * set) the block FAILS; locally it is skipped with a loud warning.
 */
export function describePostgres(name: string, fn: () => void): void {
  if (pgBinDir()) {
    describe(name, fn);
    return;
  }
  const missing = 'PostgreSQL server binaries (initdb) are not installed';
  if (process.env.CI) {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(`${missing}: PostgreSQL tests must run in CI (scripts/ensure-postgres.sh --install)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING PostgreSQL tests "${name}": ${missing}. Install Debian's postgresql to run them. !!!\n`);
  describe.skip(name, fn);
}

/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` system user. */
const asRoot = process.getuid?.() === 0;

function pgUser(): { uid: number; gid: number } | null {
  if (!asRoot) return null;
  const out = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error('running as root and there is no `postgres` user to own the test cluster');
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function command(name: string, args: string[]): [string, string[]] {
  const path = join(pgBinDir()!, name);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

export interface PgClusterOptions {
  /** Extra `postgres -c` settings, e.g. `{ max_slot_wal_keep_size: '64MB' }`. */
  settings?: Record<string, string | number>;
}

export class PgCluster {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: PgClusterOptions,
  ) {}

  /** Connection string of the `postgres` database as the `postgres` superuser (trust auth). */
  get url(): string {
    return this.urlOf('postgres');
  }

  urlOf(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** initdb + start; about 1-2 s. */
  static async start(options: PgClusterOptions = {}): Promise<PgCluster> {
    if (!pgBinDir()) throw new Error('PostgreSQL server binaries are not installed (scripts/ensure-postgres.sh --install)');
    const root = mkdtempSync(join(tmpdir(), 'streams-pg-'));
    const owner = pgUser();
    if (owner) {
      chmodSync(root, 0o755);
      chownSync(root, owner.uid, owner.gid);
    }
    const dir = join(root, 'data');
    const [cmd, args] = command('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const init = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    writeFileSync(join(dir, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\nlocal replication all trust\nhost replication all 127.0.0.1/32 trust\n');
    const cluster = new PgCluster(await freePort(), dir, options);
    await cluster.restart();
    return cluster;
  }

  /** Starts the postmaster (again, same port and data) and waits until it accepts connections. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('postgres is already running');
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      port: this.port,
      unix_socket_directories: join(this.dir, '..'),
      wal_level: 'logical',
      max_replication_slots: 20,
      max_wal_senders: 20,
      max_connections: 100,
      // fsync off: a killed postmaster loses nothing (the OS keeps the written WAL); commits still write WAL first.
      fsync: 'off',
      full_page_writes: 'off',
      shared_buffers: '32MB',
      ...this.options.settings,
    };
    const args = ['-D', this.dir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [cmd, argv] = command('postgres', args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = null;
    });
    const end = Date.now() + 30_000;
    for (;;) {
      const [ready, readyArgs] = command('pg_isready', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', 'postgres']);
      if (spawnSync(ready, readyArgs, { timeout: 5000 }).status === 0) return;
      if (!this.process) throw new Error(`postgres exited while starting on port ${this.port}: ${log}`);
      if (Date.now() > end) throw new Error(`postgres did not start on port ${this.port}: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server: `SIGINT` (fast shutdown) by default, `SIGKILL` for a crash. Waits for it to exit. */
  async stop(signal: 'SIGINT' | 'SIGKILL' = 'SIGINT'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // As root the child is `runuser`; the postmaster is its child and gets the signal through the group.
    this.signalPostmaster(signal);
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(join(this.dir, '..'), { recursive: true, force: true });
  }

  private signalPostmaster(signal: NodeJS.Signals): void {
    const pidFile = join(this.dir, 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number(spawnSync('head', ['-n', '1', pidFile], { encoding: 'utf8' }).stdout.trim()) : NaN;
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, signal);
        return;
      } catch {
        // already gone: fall through to the child we spawned
      }
    }
    this.process?.kill(signal);
  }
}
