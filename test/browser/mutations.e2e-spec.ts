import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type Chromium, describeInChromium, launchChromium, servePage } from '../support/chromium';
import { startOfflineProxy, type OfflineProxy } from '../support/offline-proxy';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';
import { roleAuth, TodoMutations, TODOS } from '../support/todo-mutations.fixture';

const toggle = (id: string, done: boolean) => [{ streamName: 'todos', groupId: 'list', itemId: id, ops: [{ type: 'set', path: 'done', value: done }] }];
const create = (id: string, title: string) => [{ streamName: 'todos', groupId: 'list', itemId: id, ops: [{ type: 'set', path: '', value: { id, title, done: false } }] }];

// Issue 28 in a browser: two pages edit one list, one of them offline (and reloaded while offline: its queue is
// in IndexedDB); once it is back, both pages show the server's state and nothing is pending.
describeInChromium('client mutations in Chromium: an offline page, a reload, two editors', () => {
  let browser: Chromium;
  let site: { url: string; server: Server };
  let t: StreamsTestApp;
  let proxies: OfflineProxy[];
  const pageErrors: string[] = [];

  const open = async (proxy: OfflineProxy, clientId: string): Promise<Page> => {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(site.url);
    await page.evaluate(([url, id]) => globalThis.startTodoPage(url, id), [`ws://127.0.0.1:${proxy.port}/`, clientId]);
    return page;
  };
  const values = (page: Page) => page.evaluate(() => globalThis.todoPage!.values());
  const byId = <T extends { id: string }>(list: T[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

  beforeAll(async () => {
    [site, browser, t] = await Promise.all([
      servePage(join(__dirname, 'mutations.entry.ts')),
      launchChromium(),
      startStreamsApp({ authFunction: roleAuth }, { providers: [TodoMutations] }),
    ]);
    proxies = [await startOfflineProxy(t.listener.address().port), await startOfflineProxy(t.listener.address().port)];
  }, 25_000);

  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    for (const proxy of proxies ?? []) await proxy.close();
    await t?.app.close();
    expect(pageErrors).toEqual([]);
  });

  it('both pages end on the server state with nothing pending; the offline page’s queue survived its reload and applied once', async () => {
    await t.service.set({ ...TODOS, item_id: 't1', data: { id: 't1', title: 'milk', done: false } });
    await t.service.set({ ...TODOS, item_id: 't2', data: { id: 't2', title: 'bread', done: false } });
    let a = await open(proxies[0], 'page-a');
    const b = await open(proxies[1], 'page-b');
    for (const page of [a, b]) await page.waitForFunction(() => globalThis.todoPage!.values().length === 2);

    proxies[0].offline();
    await a.waitForFunction(() => globalThis.todoPage!.state() !== 'open');
    await a.evaluate(([t1, t3]) => {
      globalThis.todoPage!.mutate('todo.toggle', { id: 't1', done: true }, t1);
      globalThis.todoPage!.mutate('todo.add', { id: 't3', title: 'eggs' }, t3);
    }, [toggle('t1', true), create('t3', 'eggs')]);
    // Offline, the page shows its own changes at once, marked as saving.
    expect(byId(await values(a))).toEqual([
      { id: 't1', title: 'milk', done: true },
      { id: 't2', title: 'bread', done: false },
      { id: 't3', title: 'eggs', done: false },
    ]);
    expect(await a.evaluate(() => globalThis.todoPage!.savingIds().sort())).toEqual(['t1', 't3']);

    // Meanwhile the other page edits the same list.
    await b.evaluate((t2) => globalThis.todoPage!.mutate('todo.toggle', { id: 't2', done: true }, t2), toggle('t2', true));
    await b.waitForFunction(() => globalThis.todoPage!.pending() === 0);

    // The offline page is reloaded: its queue comes back from IndexedDB (its mirror is empty until it connects).
    await a.close();
    a = await open(proxies[0], 'page-a');
    await a.waitForFunction(() => globalThis.todoPage!.pending() === 2);
    expect(await values(a)).toEqual([{ id: 't3', title: 'eggs', done: false }]);

    proxies[0].online();
    await a.waitForFunction(() => globalThis.todoPage!.pending() === 0 && globalThis.todoPage!.values().length === 3);
    const server = byId(await t.service.list<{ id: string; title: string; done: boolean }>(TODOS));
    expect(server).toEqual([
      { id: 't1', title: 'milk', done: true },
      { id: 't2', title: 'bread', done: true },
      { id: 't3', title: 'eggs', done: false },
    ]);
    await b.waitForFunction(() => globalThis.todoPage!.values().length === 3);
    for (const page of [a, b]) {
      expect(byId(await values(page))).toEqual(server);
      expect(await page.evaluate(() => [globalThis.todoPage!.pending(), globalThis.todoPage!.savingIds()])).toEqual([0, []]);
    }
    expect(await a.evaluate(() => globalThis.todoPage!.outcomes)).toEqual(['1:ok', '2:ok']);
    expect([...t.app.get(TodoMutations).applied.entries()].filter(([key]) => key.startsWith('page-a#'))).toEqual([
      ['page-a#1', 1],
      ['page-a#2', 1],
    ]);
  });
});
