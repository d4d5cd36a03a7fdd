/**
 * The streams WebSocket listener's address (SPEC §3): inject `StreamsListener` and call `address()` after
 * `app.init()` (own port; e.g. the port picked for `port: 0` in tests) or after `app.listen()` (`attach`: the
 * app's address). The transport provides it; the data API (`StreamsService`) knows nothing of sockets.
 */
export abstract class StreamsListener {
  /** The bound host and port; throws while the listener (or, with `attach`, the app's server) is not listening yet. */
  abstract address(): { host: string; port: number };
}
