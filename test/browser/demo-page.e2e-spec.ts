import { existsSync } from 'node:fs';
import { StreamsService } from 'nest-realtime-streams';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { type Chromium, describeInChromium, launchChromium } from '../support/chromium';
import { type DemoTestApp, startDemoApp } from '../support/demo-app';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from '../support/redis';

// The README's picture is refreshed on request only, so a test run never changes tracked files.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT ? join(__dirname, '../../docs/demo.png') : join(tmpdir(), 'nest-realtime-streams-demo.png');

describeInChromium('demo page in Chromium', () => {
  let demo: DemoTestApp;
  let browser: Chromium;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  const open = async (user: string, on: DemoTestApp = demo): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    // Refused posts (400) are part of the test; a missing asset or a server error is not.
    page.on('response', (response) => {
      if (response.status() === 404 || response.status() >= 500) pageErrors.push(`${user}: ${response.status()} ${response.url()}`);
    });
    await page.goto(`${on.httpUrl}/?user=${user}`);
    await page.locator('#connection[data-state="open"]').waitFor();
    return page;
  };

  beforeAll(async () => {
    // The default one-second metrics interval, so the screenshot shows the demo as `npm start` runs it.
    demo = await startDemoApp();
    browser = await launchChromium({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    context = browser.context;
  }, 25_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.app.close(); // again after the test closed it: a no-op
  });

  it('shows live metrics, delivers a chat message and a mention from a second page, and is captured for the README', async () => {
    // A little history, so the screenshot shows a conversation (posted through the REST API).
    for (const [author, text] of [
      ['carol', 'Deploy is out. Dashboard looks calm so far.'],
      ['dave', '@ann could you keep an eye on the heap chart for a minute?'],
    ]) {
      const res = await fetch(`${demo.httpUrl}/chat/lobby/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ author, text }) });
      expect(res.status).toBe(201);
    }

    // And a shared to-do list with something on it (the page writes it through mutations: demo-todos.e2e-spec.ts).
    for (const [id, title, done] of [
      ['0b6c8f3e-1d2a-4c5b-9e7f-a1b2c3d4e5f6', 'Check the heap after the deploy', true],
      ['7e9d1c2b-3a4f-4e5d-8c6b-f6e5d4c3b2a1', 'Write the release notes', false],
    ] as const) {
      await demo.app.get(StreamsService).set({ stream_name: 'shared-todos', group_id: 'shared', item_id: id, data: { id, title, done, by: 'carol' } });
    }

    const ann = await open('ann');
    await ann.locator('.message', { hasText: 'Deploy is out' }).waitFor();
    await ann.locator('.todo', { hasText: 'Write the release notes' }).waitFor();
    await ann.locator('.notification', { hasText: 'keep an eye on the heap' }).waitFor();

    // Metrics: the sample counter moves while the page is open.
    const ticks = ann.locator('[data-metric="ticks"]');
    await ticks.filter({ hasText: /^[\d,]+$/ }).waitFor();
    const first = await ticks.textContent();
    await ticks.filter({ hasNotText: new RegExp(`^${first}$`) }).waitFor();

    // Chat from a second page, through the UI: presence (who is online), typing, then the message, then the mention.
    const bob = await open('bob');
    await ann.locator('#online [data-user="bob"]').waitFor();
    await bob.locator('#online [data-user="ann"]').waitFor();
    await expect(ann.locator('#online').textContent()).resolves.toBe('2 onlineannbob');
    await bob.locator('#message-text').fill('Hi @ann, the streams demo works end to end!');
    await ann.locator('#typing', { hasText: 'bob is typing' }).waitFor();
    await bob.locator('#composer button[type="submit"]').click();
    await ann.locator('.message', { hasText: 'the streams demo works end to end' }).waitFor();
    await ann.locator('.notification', { hasText: 'the streams demo works end to end' }).waitFor();
    await expect(ann.locator('#typing').textContent()).resolves.toBe('');
    await expect(bob.locator('#message-text').inputValue()).resolves.toBe('');

    // Captured with both people online.
    await ann.locator('svg[data-sparkline="heapUsedMb"] polyline').waitFor();
    await ann.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // The server's refusals (here the DTO's) are shown under the composer.
    await bob.locator('#message-text').fill('   ');
    await bob.locator('#composer button[type="submit"]').click();
    await bob.locator('#composer-error', { hasText: 'text must not be empty' }).waitFor();

    // A refused name is spelled out, and nothing goes out under the previous name.
    await bob.locator('#user-name').fill('Bob Smith!');
    await bob.locator('#user-name').press('Tab');
    await bob.locator('#user-name-error', { hasText: 'Not a valid name' }).waitFor();
    await bob.locator('#message-text').fill('sent under the wrong name?');
    await bob.locator('#composer button[type="submit"]').click();
    await bob.locator('#composer-error', { hasText: '“Bob Smith!” is not a valid name' }).waitFor();
    const lobby = (await (await fetch(`${demo.httpUrl}/chat/lobby/messages`)).json()) as { text: string }[];
    expect(lobby.map((m) => m.text)).not.toContain('sent under the wrong name?');

    // A valid new name: the same socket re-authenticates, and presence follows the new name.
    await bob.locator('#user-name').fill('bobby');
    await bob.locator('#user-name').press('Tab');
    await ann.locator('#online [data-user="bobby"]').waitFor();
    // The name error went with its cause.
    await bob.locator('#composer-error', { hasText: 'is not a valid name' }).waitFor({ state: 'detached' });
    await ann.locator('#online [data-user="bob"]').waitFor({ state: 'detached' });
    await bob.close();
    await ann.locator('#online [data-user="bobby"]').waitFor({ state: 'detached' });


    // Server gone: the metrics card stops looking live, the online list says it is the last one seen, and a
    // message posted meanwhile (a client mutation) shows as sending and waits in the queue.
    await expect(ann.locator('.card-metrics[data-stale]').count()).resolves.toBe(0);
    await expect(ann.locator('#online[data-stale]').count()).resolves.toBe(0);
    const ports = { PORT: new URL(demo.httpUrl).port, STREAMS_PORT: new URL(demo.streamsUrl).port };
    await demo.app.close();
    await ann.locator('.card-metrics[data-stale] #metrics-stale', { hasText: 'offline' }).waitFor();
    await ann.locator('#online[data-stale]', { hasText: 'offline · last seen' }).waitFor();
    await ann.locator('#message-text').fill('anyone there?');
    await ann.locator('#composer button[type="submit"]').click();
    await ann.locator('.message-pending', { hasText: 'anyone there?' }).waitFor();
    // Back on the same ports: the page is live again by itself, and the message goes out.
    demo = await startDemoApp(ports);
    await ann.locator('#online[data-stale]').waitFor({ state: 'detached', timeout: 15_000 });
    await ann.locator('.message:not(.message-pending)', { hasText: 'anyone there?' }).waitFor();
    const after = (await (await fetch(`${demo.httpUrl}/chat/lobby/messages`)).json()) as { author: string; text: string }[];
    expect(after.map((m) => `${m.author}: ${m.text}`)).toEqual(['ann: anyone there?']);
    await expect(ann.locator('#composer-error').textContent()).resolves.toBe('');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

describeRedis('demo page in Chromium on two instances sharing Redis', () => {
  const keyPrefix = uniquePrefix('demo-presence');
  const instances: DemoTestApp[] = [];
  let browser: Chromium;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) instances.push(await startDemoApp({ METRICS_INTERVAL_MS: '60000' }, { type: 'redis', url: REDIS_URL, keyPrefix }));
    browser = await launchChromium();
  }, 25_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(instances.map((i) => i.app.close()));
    await deletePrefix(keyPrefix);
  });

  it('two people on two instances see each other online and typing', async () => {
    const [a, b] = instances;
    const ann = await browser.context.newPage();
    await ann.goto(`${a.httpUrl}/?user=ann`);
    const bob = await browser.context.newPage();
    await bob.goto(`${b.httpUrl}/?user=bob`);
    await ann.locator('#online [data-user="bob"]').waitFor();
    await bob.locator('#online [data-user="ann"]').waitFor();
    await bob.locator('#message-text').fill('typing on the other instance');
    await ann.locator('#typing', { hasText: 'bob is typing' }).waitFor();
    await bob.close();
    await ann.locator('#online [data-user="bob"]').waitFor({ state: 'detached' });
  });
});
