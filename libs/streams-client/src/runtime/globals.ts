import type { WebSocketConstructor } from './websocket.types';

/** Host globals the client reads, typed here so the core compiles against the ES library alone. */
interface RuntimeGlobals {
  WebSocket?: WebSocketConstructor;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  queueMicrotask(callback: () => void): void;
}

/** Read at call time (not captured), so fake timers in tests and late polyfills are honoured. */
export const runtime = globalThis as unknown as RuntimeGlobals;
