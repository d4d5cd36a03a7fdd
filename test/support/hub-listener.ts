import type { StreamAdapter, StreamEnvelope } from '../../libs/streams/src/adapters/stream-adapter.interface';
import type { HubEvent } from '../../libs/streams/src/hub/hub.event';
import { StreamsHub } from '../../libs/streams/src/hub/streams.hub';

/** An adapter's one sink, as the module registers it. */
const hubs = new WeakMap<StreamAdapter, StreamsHub>();

/**
 * Listens to a group the way a socket does: as a member bound through the hub (the app's, or one registered
 * on a bare adapter). Resolves once the group's events flow; the returned function unbinds.
 */
export async function listen(
  source: StreamAdapter | StreamsHub,
  stream: string,
  group: string,
  listener: (envelope: StreamEnvelope) => void,
): Promise<() => Promise<void>> {
  let hub = source instanceof StreamsHub ? source : hubs.get(source);
  if (!hub) hubs.set(source as StreamAdapter, (hub = new StreamsHub(source as StreamAdapter)));
  const member = { deliver: (event: HubEvent) => listener(event.envelope), continuityLost: () => undefined };
  await hub.bind(stream, group, member);
  return () => hub.unbind(stream, group, member);
}
