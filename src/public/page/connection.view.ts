import type { ConnectionState } from 'nest-realtime-streams-client';
import type { DemoClient } from './demo-client';

const LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Refused',
  closed: 'Offline',
};

/** The status pill: mirrors the client's connection state (`data-state` drives its colour). */
export function mountConnectionStatus(client: DemoClient, pill: HTMLElement): void {
  const render = (state: ConnectionState) => {
    pill.dataset.state = state;
    pill.textContent = LABELS[state];
  };
  render(client.state);
  client.on('state', render);
}
