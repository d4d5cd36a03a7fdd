import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The shared Redis the tests use; `REDIS_URL` overrides. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let available: boolean | undefined;

/**
 * Whether a Redis answers PING at REDIS_URL. Synchronous (a short child process) because Jest collects
 * `describe` blocks synchronously; the answer is cached per test file.
 */
export function redisAvailable(): boolean {
  if (available !== undefined) return available;
  const { hostname, port } = new URL(REDIS_URL);
  const probe = `
    const s = require('node:net').connect(${Number(port) || 6379}, ${JSON.stringify(hostname || '127.0.0.1')});
    s.setTimeout(1000, () => process.exit(1));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(d.toString().startsWith('+PONG') ? 0 : 1));`;
  available = spawnSync(process.execPath, ['-e', probe], { timeout: 3000 }).status === 0;
  return available;
}

/** Whether a `redis-server` binary is installed (for tests that start and kill their own server). */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { timeout: 3000 }).status === 0;
}

/**
 * `describe` for tests that need the Redis at REDIS_URL or, with `ownServer`, the redis-server binary to
 * start their own (ThrowawayRedis). When it is missing: in CI (`CI` set) the block FAILS; locally it is
 * skipped with a loud warning.
 */
export function describeRedis(name: string, fn: () => void, needs: { ownServer?: boolean } = {}): void {
  const missing = needs.ownServer
    ? redisServerInstalled()
      ? null
      : 'redis-server is not installed'
    : redisAvailable()
      ? null
      : `no Redis answers at ${REDIS_URL}`;
  if (!missing) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it('needs Redis', () => {
        throw new Error(`${missing}: Redis tests must run in CI (start one with scripts/ensure-redis.sh --install)`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPING Redis tests "${name}": ${missing}. Start redis-server or set REDIS_URL to run them. !!!\n`);
  describe.skip(name, fn);
}

/** A key prefix no other test file (or run) shares. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** Removes every key under `prefix` (SCAN over the test's own prefix, then UNLINK). */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface ThrowawayRedisOptions {
  /** A fixed port (fault tests use the range assigned to them); default: a free one. */
  port?: number;
  /** Every write on disk before it is acknowledged (`appendonly yes`, `appendfsync always`); default: none. */
  persistent?: boolean;
  /** More `redis-server` arguments, e.g. `['--client-output-buffer-limit', 'pubsub 64kb 32kb 1']`. */
  args?: string[];
}

/**
 * A throwaway redis-server on a loopback port, in a temporary directory (without persistence unless asked):
 * for tests that kill, freeze and restart Redis under a running app.
 */
export class ThrowawayRedis {
  private process: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: ThrowawayRedisOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the server process is up (not killed). */
  get running(): boolean {
    return this.process !== null;
  }

  static async start(options: ThrowawayRedisOptions = {}): Promise<ThrowawayRedis> {
    const server = new ThrowawayRedis(options.port ?? (await freePort()), mkdtempSync(join(tmpdir(), 'streams-redis-')), options);
    await server.restart();
    return server;
  }

  /** Starts the server (again, on the same port and directory) and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    const persistence = this.options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', this.dir, ...(this.options.args ?? [])];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = null;
    });
    const end = Date.now() + 5000;
    while (!(await answersPing(this.port))) {
      if (Date.now() > end || !this.process) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Kills the server (SIGKILL: a crash, not a clean shutdown) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connections stay open, nothing is answered meanwhile. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.process?.kill(signal);
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
