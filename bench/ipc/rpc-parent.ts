import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { track } from './children';
import { READY, type Api, type ArgsOf, type ResultOf, type RpcReply } from './rpc-protocol';

const REPO_ROOT = join(__dirname, '../..');
/** Children run TypeScript directly; the swc register honours the tsconfig path alias and decorator metadata. */
const BASE_EXEC_ARGV = ['-r', '@swc-node/register', '--expose-gc'];
const STDERR_TAIL = 4000;
const READY_TIMEOUT_MS = 20_000;
const EXIT_GRACE_MS = 5_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Parent side of one forked bench process: typed calls with a timeout each, killed with the harness. */
export class RpcChild<M extends Api> {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    track(child);
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL)));
    child.stdout?.resume();
    child.on('message', (message: RpcReply | typeof READY) => {
      if (message === READY) return;
      const call = this.pending.get(message.id);
      if (!call) return;
      this.pending.delete(message.id);
      clearTimeout(call.timer);
      if (message.ok) call.resolve(message.result);
      else call.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        for (const call of this.pending.values()) {
          clearTimeout(call.timer);
          call.reject(new Error(`${this.name} exited (${signal ?? code}) ${this.stderrTail()}`));
        }
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Forks `entry` (a .ts file under bench/) and waits until it serves commands. */
  static async start<M extends Api>(name: string, entry: string, argv: string[], extraExecArgv: string[] = []): Promise<RpcChild<M>> {
    const child = fork(join(REPO_ROOT, 'bench', entry), argv, {
      cwd: REPO_ROOT,
      execArgv: [...BASE_EXEC_ARGV, ...extraExecArgv],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const rpc = new RpcChild<M>(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS} ms ${rpc.stderrTail()}`)), READY_TIMEOUT_MS);
      const onMessage = (message: unknown) => {
        if (message !== READY) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      void rpc.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited during start-up ${rpc.stderrTail()}`));
      });
    }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    return rpc;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  call<K extends keyof M & string>(command: K, args: ArgsOf<M, K>, timeoutMs: number): Promise<ResultOf<M, K>> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<ResultOf<M, K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${command} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ id, command, args });
    });
  }

  /** Waits for the child to exit (it exits by itself after `stop`), killing it when it lingers. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    if (this.child.connected) this.child.disconnect();
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.alive) this.child.kill('SIGKILL');
  }

  private stderrTail(): string {
    return this.stderr ? `\n--- stderr ---\n${this.stderr.trim()}` : '';
  }
}
