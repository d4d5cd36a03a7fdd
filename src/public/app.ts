import { StreamsClient } from 'nest-realtime-streams-client';
import type { DemoStreams } from '../shared/demo-streams';
import { ChatView } from './page/chat.view';
import { mountConnectionStatus } from './page/connection.view';
import { byId } from './page/dom.helpers';
import { IdentityStore } from './page/identity.store';
import { mountIdentity } from './page/identity.view';
import { mountMetrics } from './page/metrics.view';
import { NotificationsView } from './page/notifications.view';
import { OfflineSwitch } from './page/offline.switch';
import { fetchPageConfig } from './page/page.api';
import { TodosView } from './page/todos.view';
import { IndexedDbMutationQueueStore } from 'nest-realtime-streams-client';

/** The demo page: one StreamsClient (one WebSocket) feeding every panel. */
async function main(): Promise<void> {
  const { streamsUrl } = await fetchPageConfig();
  const identity = new IdentityStore(localStorage, location.search);
  // The demo's "token" is the name (see src/chat/chat.auth.ts): asked for on every connect and before it
  // expires, and sent again at once when the name changes, so presence follows the new name on the same socket.
  const offline = new OfflineSwitch();
  // Each tab keeps its own mutation queue in IndexedDB (a reload keeps it); the store keeps the tab's client id
  // with it, so a cleared store starts a new client rather than reusing an id the server remembers.
  const tab = sessionStorage.getItem('mutation-tab') ?? crypto.randomUUID();
  sessionStorage.setItem('mutation-tab', tab);
  const client = new StreamsClient<DemoStreams>({
    url: streamsUrl,
    getToken: () => identity.current,
    WebSocket: offline.WebSocket,
    mutations: { store: new IndexedDbMutationQueueStore(`demo-mutations-${tab}`) },
  });
  identity.onChange(() => client.reauthenticate());

  mountConnectionStatus(client, byId('connection'));
  mountIdentity(identity, byId<HTMLInputElement>('user-name'), byId('user-name-error'));
  mountMetrics(client, byId('metrics'), byId('metrics-stale'));
  new ChatView(client, identity, {
    rooms: byId('rooms'),
    messages: byId<HTMLOListElement>('messages'),
    typing: byId('typing'),
    online: byId('online'),
    form: byId<HTMLFormElement>('composer'),
    input: byId<HTMLInputElement>('message-text'),
    error: byId('composer-error'),
  }).mount();
  new TodosView(client, offline, () => identity.current, {
    list: byId<HTMLOListElement>('todos'),
    form: byId<HTMLFormElement>('todo-form'),
    input: byId<HTMLInputElement>('todo-title'),
    pending: byId('todo-pending'),
    offline: byId<HTMLInputElement>('offline-switch'),
    error: byId('todo-error'),
  }).mount();
  new NotificationsView(client, identity, { list: byId<HTMLOListElement>('notifications'), count: byId('notification-count'), tag: byId('notifications-tag') }).mount();
}

main().catch((error: unknown) => {
  byId('connection').dataset.state = 'closed';
  byId('connection').textContent = 'Failed to start';
  console.error(error);
});
