import { StreamsService } from 'nest-realtime-streams';
import type { Page } from 'playwright-core';
import { type Chromium, describeInChromium, launchChromium } from '../support/chromium';
import { type DemoTestApp, startDemoApp } from '../support/demo-app';

// The demo's shared to-do list (issue 28): every change is a client mutation. One page goes offline with its
// switch and edits; the other edits meanwhile; back online, the offline page's queue drains and both pages show
// the server's list, with nothing waiting.
describeInChromium('demo page in Chromium: the shared to-do list and its offline switch', () => {
  let demo: DemoTestApp;
  let browser: Chromium;
  const pageErrors: string[] = [];

  const open = async (user: string): Promise<Page> => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${user}: ${error.message}`));
    await page.goto(`${demo.httpUrl}/?user=${user}`);
    await page.locator('#connection[data-state="open"]').waitFor();
    return page;
  };
  const add = async (page: Page, title: string) => {
    await page.locator('#todo-title').fill(title);
    await page.locator('#todo-form button[type="submit"]').click();
  };
  const titles = (page: Page) => page.locator('.todo .todo-title').allTextContents();
  const serverList = async () => {
    const items = (await demo.app.get(StreamsService).list({ stream_name: 'shared-todos', group_id: 'shared' })) as Array<{ title: string; done: boolean }>;
    return items.map((t) => `${t.title}:${t.done}`).sort();
  };
  // A to-do is checked exactly when the page styles it done.
  const pageList = (page: Page) => page.$$eval('.todo', (lis) => lis.map((li) => `${li.querySelector('.todo-title')!.textContent}:${li.classList.contains('todo-done')}`).sort());

  beforeAll(async () => {
    demo = await startDemoApp({ METRICS_INTERVAL_MS: '60000' });
    browser = await launchChromium();
  }, 25_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.app.close();
    expect(pageErrors).toEqual([]);
  });

  it('edits made offline show at once as saving, then sync in order; both pages end on the server list', async () => {
    const ann = await open('ann');
    const bob = await open('bob');
    await add(ann, 'milk');
    await bob.locator('.todo', { hasText: 'milk' }).waitFor();
    await ann.locator('#todo-pending', { hasText: 'all saved' }).waitFor();

    await ann.locator('#offline-switch').check();
    await ann.locator('#connection:not([data-state="open"])').waitFor();
    await ann.locator('.todo', { hasText: 'milk' }).locator('input').check();
    await add(ann, 'eggs');
    // Shown at once, marked, and counted: nothing reached the server.
    await expect(titles(ann)).resolves.toEqual(['milk', 'eggs']);
    await ann.locator('#todo-pending', { hasText: '2 changes waiting to sync' }).waitFor();
    await expect(ann.locator('.todo-by', { hasText: 'saving…' }).count()).resolves.toBe(2);
    expect(await serverList()).toEqual(['milk:false']);

    // Meanwhile bob adds one and removes nothing of ann's.
    await add(bob, 'bread');
    await bob.locator('#todo-pending', { hasText: 'all saved' }).waitFor();

    await ann.locator('#offline-switch').uncheck();
    await ann.locator('#todo-pending', { hasText: 'all saved' }).waitFor({ timeout: 10_000 });
    const server = await serverList();
    expect(server).toEqual(['bread:false', 'eggs:false', 'milk:true']);
    await bob.locator('.todo', { hasText: 'eggs' }).waitFor();
    await bob.locator('.todo-done', { hasText: 'milk' }).waitFor();
    await expect(pageList(ann)).resolves.toEqual(server);
    await expect(pageList(bob)).resolves.toEqual(server);
    await expect(ann.locator('.todo-by', { hasText: 'saving…' }).count()).resolves.toBe(0);
  }, 45_000);
});
