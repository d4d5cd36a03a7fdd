import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');

/** The version of `name` installed in the repo: pinning consumer apps to it installs them from the npm cache. */
export function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The environment for child processes: without the repo's npm script context, so npm works on the child's own folder. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const key of Object.keys(env)) {
    if (key === 'INIT_CWD' || key === 'npm_config_local_prefix' || key.startsWith('npm_package_') || key.startsWith('npm_lifecycle_')) delete env[key];
  }
  return env;
}

export interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end (killed after `timeoutMs`), with stdout and stderr interleaved in `output`. */
export function run(command: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs} ms:\n${output}`));
      else resolvePromise({ code, output });
    });
  });
}

/** Like `run`, but a non-zero exit is an error carrying the output. */
export async function succeed(command: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<string> {
  const { code, output } = await run(command, args, cwd, timeoutMs, env);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code} in ${cwd}:\n${output}`);
  return output;
}

/** Creates `dir` as an app with these dependencies and installs them the way a user would (cache first). */
export async function installApp(dir: string, dependencies: Record<string, string>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true, dependencies }, null, 2));
  // Generous but bounded: a cold cache downloads Nest 12 (the warm case takes seconds).
  await succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir, 240_000);
}

export type ModuleKind = 'commonjs' | 'nodenext';

/** Replaces the one occurrence of `from` in `file` (an error if there is none or more than one). */
export function replaceOnce(file: string, from: string, to: string): void {
  const source = readFileSync(file, 'utf8');
  if (source.split(from).length !== 2) throw new Error(`${file} does not contain exactly one ${from}`);
  writeFileSync(file, source.replace(from, to));
}

/**
 * Generates `args[0]` in `parent` from the current `@nestjs/cli` template (the registry's latest CLI, not a
 * pinned copy), without installing it. Needs the npm registry: bounded, and says so when it fails.
 */
export async function generateNestApp(parent: string, args: string[]): Promise<string> {
  try {
    await succeed('npx', ['-y', '@nestjs/cli@latest', 'new', ...args, '--skip-install'], parent, 120_000);
  } catch (error) {
    throw new Error(`could not generate an app with today's @nestjs/cli (npx @nestjs/cli@latest new needs the npm registry): ${(error as Error).message}`, { cause: error });
  }
  return join(parent, args[0]);
}

/**
 * Copies a fixture app (a folder of test/consumer) into `<appDir>/<name>` and compiles it with the app's own
 * plain `tsc`, every declaration checked. commonjs: a CommonJS package under node10 resolution; nodenext: an
 * ES module package, so the packages are loaded through `import`. `edit` changes the copy (in `<dir>/src`) first.
 */
export async function compileFixture(appDir: string, kind: ModuleKind, fixture = 'app', name: string = kind, edit?: (dir: string) => void): Promise<string> {
  const dir = join(appDir, name);
  cpSync(join(__dirname, fixture), join(dir, 'src'), { recursive: true });
  edit?.(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: kind === 'commonjs' ? 'commonjs' : 'module' }));
  const compilerOptions = {
    ...(kind === 'commonjs' ? { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } : { module: 'nodenext', moduleResolution: 'nodenext' }),
    target: 'es2022',
    strict: true,
    skipLibCheck: false,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  await succeed(process.execPath, [join(appDir, 'node_modules/typescript/bin/tsc'), '-p', dir], dir, 120_000);
  return dir;
}

/** A compiled fixture app running under plain `node`, once its output matched the `ready` pattern. */
export class RunningApp {
  output = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    private readonly child: ChildProcess,
    /** The match of the `ready` pattern. */
    readonly ready: RegExpExecArray,
  ) {
    this.exited = new Promise((resolvePromise) => child.once('exit', (code, signal) => resolvePromise({ code, signal })));
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static start(dir: string, env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<RunningApp> {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`output did not match ${ready} within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = ready.exec(output);
        if (!match) return;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        const app = new RunningApp(child, match);
        app.output = output;
        resolvePromise(app);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before ${ready} matched:\n${output}`));
      });
    });
  }

  /** SIGTERM, as an orchestrator stops it; resolves with how the process ended. */
  async stop(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
