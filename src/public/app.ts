import { StreamsClient } from 'nest-realtime-streams-client';
import type { DemoStreams } from '../shared/demo-streams';
import { ChatView } from './page/chat.view';
import { mountConnectionStatus } from './page/connection.view';
import { byId } from './page/dom.helpers';
import { IdentityStore } from './page/identity.store';
import { mountIdentity } from './page/identity.view';
import { mountMetrics } from './page/metrics.view';
import { NotificationsView } from './page/notifications.view';
import { fetchPageConfig } from './page/page.api';

/** The demo page: one StreamsClient (one WebSocket) feeding every panel. */
async function main(): Promise<void> {
  const { streamsUrl } = await fetchPageConfig();
  const client = new StreamsClient<DemoStreams>({ url: streamsUrl });
  const identity = new IdentityStore(localStorage, location.search);

  mountConnectionStatus(client, byId('connection'));
  mountIdentity(identity, byId<HTMLInputElement>('user-name'));
  mountMetrics(client, byId('metrics'));
  new ChatView(client, identity, {
    rooms: byId('rooms'),
    messages: byId<HTMLOListElement>('messages'),
    typing: byId('typing'),
    form: byId<HTMLFormElement>('composer'),
    input: byId<HTMLInputElement>('message-text'),
    error: byId('composer-error'),
  }).mount();
  new NotificationsView(client, identity, { list: byId<HTMLOListElement>('notifications'), count: byId('notification-count'), tag: byId('notifications-tag') }).mount();
}

main().catch((error: unknown) => {
  byId('connection').dataset.state = 'closed';
  byId('connection').textContent = 'Failed to start';
  console.error(error);
});
