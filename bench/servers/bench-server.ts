import type { BenchPayload } from '../wire';
import type { PublishOp, WriteOp } from './server-api';

/** One server under test, inside its own process. */
export interface BenchServer {
  /** Starts listening on an ephemeral loopback port; resolves with it. */
  listen(): Promise<number>;
  /** Fans one message out to every client in the bench group. */
  publish(op: PublishOp, payload: BenchPayload): void | Promise<void>;
  /** One write through the module's service (write-throughput rows; only this module has them). */
  write?(op: WriteOp, group: string, item: string, payload: BenchPayload): Promise<unknown>;
}
