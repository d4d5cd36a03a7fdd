import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (apt), never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A suite that needs Chromium: without it, skipped loudly on a workstation, and failed on CI. */
export function describeInChromium(name: string, fn: () => void): void {
  const hasBrowser = existsSync(CHROMIUM);
  if (!hasBrowser && !process.env.CI) {
    console.warn(`\n  !!! SKIPPED: "${name}" needs ${CHROMIUM} (apt-get install chromium). With CI set this is a failure. !!!\n`);
  }
  (hasBrowser || process.env.CI ? describe : describe.skip)(name, fn);
}

export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Headless Chromium on a throwaway profile. */
export async function launchChromium(options: Parameters<typeof chromium.launchPersistentContext>[1] = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  const profile = await mkdtemp(join(tmpdir(), 'streams-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 15_000, ...options });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A loopback HTTP origin serving one page that runs `entry`, bundled by esbuild (Chromium blocks a WebSocket
 * from about:blank to a loopback address: Local Network Access).
 */
export async function servePage(entry: string): Promise<{ url: string; server: Server }> {
  const bundle = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', target: 'es2020', write: false, logLevel: 'silent' });
  const html = `<!doctype html><meta charset="utf-8"><script>${bundle.outputFiles[0].text}</script>`;
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
