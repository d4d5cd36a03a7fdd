import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { createMotiaHarness, type MotiaHarness, type MotiaStream } from './motia-harness';

const ROOT = join(__dirname, '../..');

/** The page script: the browser client from npm plus the harness. */
export const MOTIA_BROWSER_ENTRY = join(__dirname, 'motia-browser.entry.ts');

/** The harness, whichever client build sits behind it; every call is async so both drivers look alike. */
export type MotiaDriver = { [K in keyof MotiaHarness]: (...args: Parameters<MotiaHarness[K]>) => Promise<ReturnType<MotiaHarness[K]>> };

const METHODS: Array<keyof MotiaHarness> = ['group', 'item', 'state', 'events', 'subscriptionId', 'lastTimestamp', 'leave', 'close'];

function driverOf(call: (method: keyof MotiaHarness, args: unknown[]) => Promise<unknown>): MotiaDriver {
  return Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])) as MotiaDriver;
}

/**
 * @motiadev/stream-client-node ships ES modules only (and its uuid too), which Jest's CommonJS runtime cannot
 * load: esbuild turns the published code, unchanged, into one CommonJS file. It sits under node_modules so
 * `ws` (left out) resolves to the project's copy.
 */
export async function loadNodeClient(): Promise<new (url: string) => MotiaStream> {
  const dir = join(ROOT, 'node_modules/.cache/iii-clients');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'stream-client-node.cjs');
  await build({
    stdin: { contents: "export { Stream } from '@motiadev/stream-client-node';", resolveDir: ROOT },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['ws'],
    outfile,
    logLevel: 'silent',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is built at run time
  return (require(outfile) as { Stream: new (url: string) => MotiaStream }).Stream;
}

export function nodeDriver(Stream: new (url: string) => MotiaStream, url: string): MotiaDriver {
  const harness = createMotiaHarness(new Stream(url));
  return driverOf(async (method, args) => (harness[method] as (...a: unknown[]) => unknown)(...args));
}

/** A fresh page (from `servePage(MOTIA_BROWSER_ENTRY)`) running the browser client against `url`; closing the driver closes the page. */
export async function browserDriver(context: BrowserContext, pageUrl: string, url: string, errors: string[]): Promise<MotiaDriver> {
  const page: Page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pageUrl);
  await page.evaluate((u) => globalThis.startMotia(u), url);
  return driverOf(async (method, args) => {
    const result = await page.evaluate(([m, a]) => (globalThis.motia![m] as (...x: unknown[]) => unknown)(...a), [method, args] as const);
    if (method === 'close') await page.close();
    return result;
  });
}
