/*
 * Drives a real Motia stream client (`Stream` from @motiadev/stream-client-node or -browser) for the tests:
 * opens subscriptions and reads back what the client itself holds. It runs unchanged in Node and, bundled
 * by esbuild, in Chromium, so every answer is plain JSON. It never touches the wire: the client does.
 */

/** The part of a Motia subscription the tests use (both builds share it). */
interface MotiaSubscription {
  readonly sub: { subscriptionId: string };
  getState(): unknown;
  onEvent(type: string, listener: (data: unknown) => void): void;
  close(): void;
}

/** The part of a Motia `Stream` the tests use. */
export interface MotiaStream {
  subscribeGroup(streamName: string, groupId: string, sortKey?: string): MotiaSubscription;
  subscribeItem(streamName: string, groupId: string, id: string): MotiaSubscription;
  close(): void;
}

export interface MotiaHarness {
  /** A group subscription (items sorted by `id`, as a Motia app would), recording the custom events `eventTypes`. */
  group(streamName: string, groupId: string, eventTypes: string[]): number;
  item(streamName: string, groupId: string, id: string, eventTypes: string[]): number;
  /** What the client holds: the group's items or the item's value. */
  state(handle: number): unknown;
  /** Custom events received, in order, as `[type, data]`. */
  events(handle: number): Array<[string, unknown]>;
  subscriptionId(handle: number): string;
  /** The newest frame timestamp the client has accepted (it drops frames that are not newer). */
  lastTimestamp(handle: number): number;
  /** Closes the subscription: the client sends `leave`. */
  leave(handle: number): void;
  close(): void;
}

export function createMotiaHarness(stream: MotiaStream): MotiaHarness {
  const subscriptions: Array<{ subscription: MotiaSubscription; events: Array<[string, unknown]> }> = [];
  const track = (subscription: MotiaSubscription, eventTypes: string[]): number => {
    const events: Array<[string, unknown]> = [];
    for (const type of eventTypes) subscription.onEvent(type, (data) => events.push([type, data]));
    return subscriptions.push({ subscription, events }) - 1;
  };
  return {
    group: (streamName, groupId, eventTypes) => track(stream.subscribeGroup(streamName, groupId, 'id'), eventTypes),
    item: (streamName, groupId, id, eventTypes) => track(stream.subscribeItem(streamName, groupId, id), eventTypes),
    state: (handle) => subscriptions[handle].subscription.getState(),
    events: (handle) => subscriptions[handle].events,
    subscriptionId: (handle) => subscriptions[handle].subscription.sub.subscriptionId,
    // Private fields of the Motia classes (group: lastTimestamp, item: lastEventTimestamp), read for diagnosis.
    lastTimestamp: (handle) => {
      const s = subscriptions[handle].subscription as unknown as { lastTimestamp?: number; lastEventTimestamp?: number };
      return s.lastTimestamp ?? s.lastEventTimestamp ?? 0;
    },
    leave: (handle) => subscriptions[handle].subscription.close(),
    close: () => stream.close(),
  };
}
