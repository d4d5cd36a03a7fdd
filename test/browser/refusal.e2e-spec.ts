import { ForbiddenException } from '@nestjs/common';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Chromium, describeInChromium, launchChromium, servePage } from '../support/chromium';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TestClient } from '../support/ws-client';

/** Refuses every token but `ok`, saying why; counts its calls (one per upgrade). */
let authCalls = 0;
async function auth({ query_params }: { query_params: Record<string, string[]> }) {
  authCalls++;
  if (query_params.token?.[0] !== 'ok') throw new ForbiddenException('banned until Monday');
  return { context: null };
}

// Issue 27: in a browser an HTTP 401 to the upgrade looks like a dead server (close 1006). The typed client
// asks for the refusal as a close frame instead, and so stops on a refusal but keeps trying a server that is down.
describeInChromium('typed client in Chromium: refused vs unreachable', () => {
  let browser: Chromium;
  let site: { url: string; server: Server };
  let t: StreamsTestApp;
  const pageErrors: string[] = [];

  const open = async (url: string): Promise<Page> => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(site.url);
    await page.evaluate((u) => globalThis.startTyped(u), url);
    return page;
  };

  beforeAll(async () => {
    site = await servePage(join(__dirname, 'typed-client.entry.ts'));
    browser = await launchChromium();
  }, 25_000);

  beforeEach(async () => {
    authCalls = 0;
    t = await startStreamsApp({ authFunction: auth });
  });

  afterEach(async () => {
    await t.app.close();
    expect(pageErrors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
  });

  it('a refused token ends in `refused` with the server’s reason, and no further attempt is made', async () => {
    const page = await open(`${t.url}/?token=stolen`);
    await page.waitForFunction(() => globalThis.typed!.states.includes('refused'));
    expect(await page.evaluate(() => globalThis.typed!.refusal())).toEqual({ status: 401, failures: 1, reason: { code: 'forbidden', message: 'banned until Monday' } });
    // Ten backoff delays (50-100 ms) later, still one attempt.
    await page.waitForTimeout(1000);
    const probe = await page.evaluate(() => ({ states: globalThis.typed!.states, failures: globalThis.typed!.failures.length }));
    // The upgrade is accepted only to be closed at once, so `open` shows for that moment (docs/reference/client.md).
    expect(probe).toEqual({ states: ['connecting', 'open', 'refused'], failures: 1 });
    expect(authCalls).toBe(1);
    await page.close();
  });

  it('a server that stopped is `reconnecting`, attempt after attempt', async () => {
    const page = await open(`${t.url}/?token=ok`);
    await page.waitForFunction(() => globalThis.typed!.states.includes('open'));
    await t.app.close();
    await page.waitForFunction(() => globalThis.typed!.failures.length >= 3);
    const probe = await page.evaluate(() => ({ states: globalThis.typed!.states, failures: globalThis.typed!.failures, refusal: globalThis.typed!.refusal() }));
    expect(probe.failures.slice(0, 3)).toEqual([1, 2, 3].map((failures) => ({ status: null, failures, reason: null })));
    expect(probe.states).not.toContain('refused');
    expect(probe.states.slice(0, 4)).toEqual(['connecting', 'open', 'reconnecting', 'connecting']);
    expect(probe.refusal).toBeNull();
    await page.evaluate(() => globalThis.typed!.close());
    await page.close();
  });

  it('a client that does not ask still gets HTTP 401 — which Chromium shows only as a close 1006', async () => {
    expect(await TestClient.refusal(`${t.url}/?token=stolen`)).toBe(401);
    const page = await open(`${t.url}/?token=ok`);
    const code = await page.evaluate(
      (url) => new Promise<number>((resolve) => (new WebSocket(url).onclose = (event) => resolve(event.code))),
      `${t.url}/?token=stolen`,
    );
    expect(code).toBe(1006);
    await page.evaluate(() => globalThis.typed!.close());
    await page.close();
  });
});
