import type { EventsOf, GroupSubscription, ItemOf, StreamsClient } from 'nest-realtime-streams-client';
import type { DemoStreams } from '../../shared/demo-streams';

/** The page's one client, typed with the demo's stream schema. */
export type DemoClient = StreamsClient<DemoStreams>;

/** A group subscription of one of the demo's streams. */
export type DemoGroup<N extends keyof DemoStreams> = GroupSubscription<ItemOf<DemoStreams, N>, EventsOf<DemoStreams, N>>;
