import { READY, type Api, type RpcReply, type RpcRequest } from './rpc-protocol';

/**
 * Child side: answers the parent's commands with `handlers`. The child exits when the parent goes away
 * (the IPC channel closes), so a crashed or killed harness never leaves a load process behind.
 */
export function serve<M extends Api>(handlers: M): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('bench children must be started by the harness (no IPC channel)');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: RpcRequest) => {
    const handler = handlers[message.command] as ((args: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.command}`);
        return handler(message.args);
      })
      .then(
        (result): RpcReply => ({ id: message.id, ok: true, result: result ?? null }),
        (error: unknown): RpcReply => ({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      )
      .then((reply) => send(reply));
  });
  send(READY);
}
