/** A child's API: command name → handler of one JSON argument. Parent and child share the same interface. */
export type Api = { [command: string]: (args: never) => unknown };

export type ArgsOf<M extends Api, K extends keyof M> = Parameters<M[K]>[0];
export type ResultOf<M extends Api, K extends keyof M> = Awaited<ReturnType<M[K]>>;

export interface RpcRequest {
  id: number;
  command: string;
  args: unknown;
}

export type RpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Sent once by a child when its handlers are installed. */
export const READY = 'rpc-ready';
