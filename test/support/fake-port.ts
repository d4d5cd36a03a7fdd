import type { SocketPort } from '../../libs/streams/src/session/socket.port';
import type { WireFrame } from '../../libs/streams/src/wire/wire-frame';

/** A frame as the client reads it. */
export type SentFrame = { type: string; id?: string | null; event?: { type: string; data?: unknown; continuityLost?: boolean } };

/**
 * A socket as the session sees it (unit tests of the protocol, no transport): what is sent is recorded as the
 * client would read it, in order; queued tasks run one after another, as on a socket's inbound queue.
 */
export function fakePort() {
  const sent: SentFrame[] = [];
  let queue = Promise.resolve();
  const port: SocketPort = {
    send: (wire: WireFrame) => sent.push(JSON.parse(wire.payload.toString()) as SentFrame),
    sendFrame: (frame) => sent.push(JSON.parse(JSON.stringify(frame)) as SentFrame),
    close: () => undefined,
    enqueue: (task, onError) => void (queue = queue.then(task).catch(onError)),
    open: true,
  };
  /** Resolves once every task queued before it has run. */
  const drained = () => new Promise<void>((resolve) => port.enqueue(async () => resolve(), () => undefined));
  return { port, sent, drained };
}
