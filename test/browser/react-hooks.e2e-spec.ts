import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Chromium, describeInChromium, launchChromium, servePage } from '../support/chromium';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { TodosMembership } from '../support/todos-membership.fixture';
import { waitFor } from '../support/wait-for';

// docs/guides/react.md: the hooks exactly as shown (examples/react-hooks.example.tsx), rendered by React in
// Chromium against a real server: the list follows the group, the banner follows the connection.
describeInChromium('React hooks of the guide, rendered in Chromium', () => {
  let browser: Chromium;
  let site: { url: string; server: Server };
  let t: StreamsTestApp;
  let page: Page;
  const pageErrors: string[] = [];
  const items = () => page.$$eval('li', (lis) => lis.map((li) => li.textContent));
  const banner = () => page.$$eval('[role=status]', (p) => p.map((e) => e.textContent));
  const add = (id: string) => t.service.set({ stream_name: 'todos', group_id: 'list', item_id: id, data: { id, title: `todo ${id}` } });

  beforeAll(async () => {
    [site, browser, t] = await Promise.all([
      servePage(join(__dirname, 'react-hooks.entry.tsx')),
      launchChromium(),
      startStreamsApp({}, { providers: [TodosMembership] }),
    ]);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(site.url);
  }, 25_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    await t?.app.close();
  });

  it('shows the group, follows its changes and leaves the group on unmount', async () => {
    await add('a');
    await add('b');
    await page.evaluate((url) => globalThis.mountTodos(url), `${t.url}/`);
    await page.waitForFunction(`document.querySelectorAll('li').length === 2`);
    expect((await items()).sort()).toEqual(['todo a', 'todo b']);
    expect(await banner()).toEqual([]);

    await add('c');
    await t.service.delete({ stream_name: 'todos', group_id: 'list', item_id: 'a' });
    await page.waitForFunction(`[...document.querySelectorAll('li')].map((li) => li.textContent).sort().join() === 'todo b,todo c'`);
    const membership = t.app.get(TodosMembership);
    expect(membership.joins).toBe(1);

    await page.evaluate(() => globalThis.unmountTodos());
    await waitFor(() => membership.leaves === 1, { what: 'the leave after unmount' });
    expect(pageErrors).toEqual([]);
  });

  it('the banner says "Reconnecting…" while the server is down, and goes once it is back', async () => {
    await page.reload();
    await page.evaluate((url) => globalThis.mountTodos(url), `${t.url}/`);
    await page.waitForFunction(`document.querySelectorAll('li').length === 2`);
    const port = Number(new URL(t.url).port);
    await t.app.close();
    await page.waitForFunction(`document.querySelector('[role=status]')?.textContent === 'Reconnecting…'`);
    t = await startStreamsApp({ port }, { providers: [TodosMembership] });
    await add('d');
    await page.waitForFunction(`document.querySelector('[role=status]') === null && document.querySelectorAll('li').length === 1`);
    expect(await items()).toEqual(['todo d']);
    await page.evaluate(() => globalThis.unmountTodos());
    expect(pageErrors).toEqual([]);
  });
});
