import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..');
const ANSWER_TIMEOUT_MS = 20_000;

/**
 * A TypeScript child process driven by lines: commands go to its stdin as tab-separated fields, and every
 * line it prints is kept, in order. Waits fail when the child exits or stays silent too long, quoting its
 * stderr.
 */
export class ChildLines {
  readonly lines: string[] = [];
  stderr = '';
  private read = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.wake?.();
    });
    child.on('exit', () => this.wake?.());
  }

  /** Runs `script` (a path under test/support) with `args` through @swc-node/register. */
  static start(script: string, args: string[] = []): ChildLines {
    return new ChildLines(spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, script), ...args], { cwd: ROOT }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  send(...fields: string[]): void {
    this.child.stdin.write(`${fields.join('\t')}\n`);
  }

  /** The next line not yet taken, waiting for it. */
  async next(): Promise<string> {
    await this.until(() => this.read < this.lines.length);
    return this.lines[this.read++];
  }

  /** Waits until `check` holds, checking again after each line. */
  async until(check: () => boolean): Promise<void> {
    const end = Date.now() + ANSWER_TIMEOUT_MS;
    while (!check()) {
      if (!this.running) throw new Error(`child ${this.child.pid} exited (${this.child.exitCode ?? this.child.signalCode}); stderr: ${this.stderr.slice(-2000)}`);
      if (Date.now() > end) throw new Error(`child ${this.child.pid} did not answer; stderr: ${this.stderr.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Closes its stdin (the child's cue to finish) and resolves with how it ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.running) return Promise.resolve({ code: this.child.exitCode, signal: this.child.signalCode });
    return new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
      this.child.stdin.end();
    });
  }

  kill(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}
