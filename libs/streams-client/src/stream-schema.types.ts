/**
 * Describes an app's streams once, so every subscription and custom event is typed from the stream name:
 *
 *   interface AppStreams {
 *     'chat-messages': { item: ChatMessage; events: { typing: { author: string } } };
 *   }
 *   const client = new StreamsClient<AppStreams>({ url });
 */
export interface StreamDefinition {
  /** Type of every item value in the stream. */
  item: unknown;
  /** Custom event types (`send`) → their `data`. */
  events?: object;
}

/** Mapped constraint rather than a Record, so `interface` schemas (no index signature) are accepted. */
export type StreamSchema<S> = { [K in keyof S]: StreamDefinition };

/** The schema of an untyped client: any stream, unknown values, any event. */
export type UntypedStreams = Record<string, { item: unknown; events: Record<string, unknown> }>;

export type StreamName<S> = keyof S & string;

export type ItemOf<S, N extends keyof S> = S[N] extends { item: infer T } ? T : unknown;

export type EventsOf<S, N extends keyof S> = S[N] extends { events: infer E extends object } ? E : Record<never, never>;
