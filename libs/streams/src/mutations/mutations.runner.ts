import { type BeforeApplicationShutdown, ForbiddenException, Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { utf8Length } from 'nest-realtime-streams-protocol';
import { StreamsConflictError } from '../errors/streams.errors';
import { StreamsMetrics } from '../metrics/streams-metrics';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { STREAMS_OPTIONS } from '../streams.constants';
import { MUTATION_LEDGER, type LedgerVerdict, type MutationLedger } from '../adapters/mutation-ledger/mutation.ledger';
import { MutationArgsError, MutationArgsValidator } from './mutation-args.validator';
import { MutationHandlersRegistry, type RegisteredMutation } from './mutation-handlers.registry';
import { MutationLane } from './mutation.lane';
import { collectWrites, MAX_LISTED_WRITES } from '../service/mutation-writes.context';
import type { MutationAnswer } from '../adapters/mutation-ledger/mutation.ledger';
import type { MutateRequest } from '../protocol/mutate-frame.parser';
import { retryLater } from './mutation.types';

/** A refusal's message travels to the client: bounded, whatever a handler put in it. */
const MAX_MESSAGE = 256;
/** First and longest pause between two looks at a mutation another caller is applying, in ms. */
const BUSY_FIRST_WAIT_MS = 10;
const BUSY_MAX_WAIT_MS = 250;

/**
 * Runs `mutate` frames (SPEC §11): per socket in order (MutationLane), each through the ledger (exactly once per
 * client id and mutation id), the handler's guards, the validation of its args and the handler, and answers
 * every one on the socket that sent it with a `mutation` frame.
 */
/** What the runner needs of a socket's MutatingClient (given structurally, so mutations/ stays below session/). */
export interface MutatingClient {
  /** The connection's context, handed to the handler. */
  readonly context: unknown;
  /** Where the answer goes: the socket's port. */
  readonly port: { readonly open: boolean; sendFrame(frame: object): void };
}

@Injectable()
export class MutationsRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Streams');
  private readonly lanes = new WeakMap<MutatingClient, MutationLane>();
  /** Mutations queued or running on this instance, so a graceful shutdown lets them finish and be recorded. */
  private readonly running = new Set<Promise<void>>();
  /** Set at shutdown: mutations not started by then are left to the client to send again (to another instance). */
  private closing = false;
  private readonly validator = new MutationArgsValidator();

  constructor(
    @Inject(STREAMS_OPTIONS) private readonly options: ResolvedStreamsOptions,
    @Inject(MUTATION_LEDGER) private readonly ledger: MutationLedger,
    private readonly handlers: MutationHandlersRegistry,
    private readonly metrics: StreamsMetrics,
  ) {}

  /** A `mutate` frame, from the socket's inbound queue: waits for room in the socket's lane, then queues it there. */
  async receive(client: MutatingClient, request: MutateRequest): Promise<void> {
    let lane = this.lanes.get(client);
    if (!lane) this.lanes.set(client, (lane = new MutationLane(this.options.mutations.inFlightPerSocket, this.options.mutations.perSecond)));
    await lane.admit();
    if (this.closing) return;
    const done = lane.run(async () => {
      if (this.closing) return;
      const started = performance.now();
      const answer = await this.settle(client, request).catch((error: unknown) => {
        this.logger.error(`Mutation ${request.name} could not be answered: ${error instanceof Error ? error.message : String(error)}`);
        return retryLater('unavailable', 'the mutation could not be run; send it again');
      });
      this.metrics.mutationAnswered(answer.duplicate ? 'duplicate' : (answer.error?.code ?? 'ok'), (performance.now() - started) / 1000);
      if (client.port.open) client.port.sendFrame({ type: 'mutation', mutationId: request.mutationId, ...answer });
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /**
   * Before the adapter closes (`onApplicationShutdown`), the mutations already received finish and are recorded:
   * one cut between its handler's writes and its ledger record would be applied again when re-sent elsewhere.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** The answer: from the ledger for a re-send, else the handler's outcome, recorded before it is sent. */
  private async settle(client: MutatingClient, request: MutateRequest): Promise<MutationAnswer> {
    const verdict = await this.begin(request);
    if ('status' in verdict) return verdict;
    if (verdict.kind === 'answered') return verdict.answer;
    if (verdict.kind === 'gap') {
      return retryLater('out_of_order', `mutation ${request.mutationId} arrived before ${verdict.expected}; send from ${verdict.expected}`, { expected: verdict.expected });
    }
    const answer = await this.apply(client, request);
    try {
      await this.ledger.commit(request.clientId, request.mutationId, answer);
    } catch (error) {
      // Applied but not recorded: a re-send after the claim's lease would apply it again (docs/guides/mutations.md).
      this.logger.error(`Mutation ${request.name} of client ${request.clientId} applied but not recorded: ${(error as Error).message}`);
    }
    return answer;
  }

  /** Asks the ledger, waiting while another caller (on any instance) applies this client's mutation, up to its lease. */
  private async begin(request: MutateRequest): Promise<Exclude<LedgerVerdict, { kind: 'busy' }> | MutationAnswer> {
    const deadline = Date.now() + this.options.mutations.leaseMs;
    for (let wait = BUSY_FIRST_WAIT_MS; ; wait = Math.min(wait * 2, BUSY_MAX_WAIT_MS)) {
      let verdict: LedgerVerdict;
      try {
        verdict = await this.ledger.begin(request.clientId, request.mutationId);
      } catch (error) {
        this.logger.error(`Mutation ledger unavailable: ${(error as Error).message}`);
        return retryLater('unavailable', 'the mutation ledger cannot be reached; send it again');
      }
      if (verdict.kind !== 'busy') return verdict;
      if (Date.now() > deadline) return retryLater('busy', 'another instance is still applying this client’s mutation; send it again');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async apply(client: MutatingClient, request: MutateRequest): Promise<MutationAnswer> {
    const { clientId, mutationId, name } = request;
    const mutation = this.handlers.find(name);
    if (!mutation) return rejected('unknown_mutation', `no mutation is named ${JSON.stringify(name)}`);
    const { argsBytes } = this.options.mutations;
    if (utf8Length(JSON.stringify(request.args)) > argsBytes) {
      return { status: 'rejected', error: { code: 'invalid_args', message: `args are larger than ${argsBytes} bytes`, fields: ['args'] } };
    }
    try {
      const args = mutation.dto ? await this.validator.validate(mutation.dto, request.args) : request.args;
      const payload = { client_id: clientId, mutation_id: mutationId, name, args, context: client.context ?? null };
      const { value, writes } = await collectWrites(() => mutation.invoke(payload));
      const answer: MutationAnswer = { status: 'ok' };
      if (writes.length > 0) {
        answer.position = writes[writes.length - 1].position;
        answer.writes = writes.slice(-MAX_LISTED_WRITES);
      }
      const result = this.result(mutation, value);
      if (result !== undefined) answer.result = result;
      return answer;
    } catch (error) {
      return this.refusal(mutation, error);
    }
  }

  /** The handler's return value as JSON, when it returned one that fits in `argsBytes` (else left out, logged). */
  private result(mutation: RegisteredMutation, value: unknown): unknown {
    if (value === undefined) return undefined;
    const text = JSON.stringify(value);
    if (text === undefined) return undefined;
    if (utf8Length(text) > this.options.mutations.argsBytes) {
      this.logger.warn(`Mutation handler ${mutation.handler} returned more than ${this.options.mutations.argsBytes} bytes; the answer carries no result`);
      return undefined;
    }
    return JSON.parse(text) as unknown;
  }

  private refusal(mutation: RegisteredMutation, error: unknown): MutationAnswer {
    if (error instanceof MutationArgsError) return { status: 'rejected', error: { code: 'invalid_args', message: error.message, fields: error.fields } };
    if (error instanceof ForbiddenException || error instanceof UnauthorizedException) return rejected('forbidden', error.message);
    if (error instanceof StreamsConflictError) return { status: 'rejected', error: { code: 'conflict', message: bounded(error.message), version: error.version } };
    this.logger.error(`Mutation handler ${mutation.handler} failed: ${error instanceof Error ? error.message : String(error)}`, error instanceof Error ? error.stack : undefined);
    // What failed stays in the server's log, not in the client's frame.
    return rejected('failed', 'the mutation failed');
  }
}

function rejected(code: 'unknown_mutation' | 'forbidden' | 'failed', message: string): MutationAnswer {
  return { status: 'rejected', error: { code, message: bounded(message) } };
}

function bounded(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
