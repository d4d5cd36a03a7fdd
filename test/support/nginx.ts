import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis';
import { waitFor } from './wait-for';

/** Debian's nginx (scripts/ensure-nginx.sh installs it; `.ci/run` calls that). */
export const NGINX = '/usr/sbin/nginx';

/** A suite that needs nginx: without it, skipped loudly on a workstation, and failed on CI. */
export function describeWithNginx(name: string, fn: () => void): void {
  const has = existsSync(NGINX);
  if (!has && !process.env.CI) console.warn(`\n  !!! SKIPPED: "${name}" needs ${NGINX} (bash scripts/ensure-nginx.sh). With CI set this is a failure. !!!\n`);
  (has || process.env.CI ? describe : describe.skip)(name, fn);
}

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

/**
 * An own nginx in the foreground on a free loopback port, serving `serverBlock` (the body of one `server {}`),
 * with its pid, logs and temp files in a throwaway folder: never the package's own site or port 80.
 */
export async function startNginx(serverBlock: string): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'streams-nginx-'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `${kind}_temp_path ${join(dir, kind)};`).join('\n  ');
  await writeFile(
    join(dir, 'nginx.conf'),
    `pid ${join(dir, 'nginx.pid')};\nerror_log stderr warn;\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n  server {\n    listen 127.0.0.1:${port};\n${serverBlock}\n  }\n}\n`,
  );
  let output = '';
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
    return fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
  };
  await waitFor(listening, { ms: 10_000, everyMs: 50, what: () => `nginx on port ${port}; it said: ${output}` });
  return {
    port,
    stop: async () => {
      child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
