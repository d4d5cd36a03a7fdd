import type { Provider } from '@nestjs/common';
import type { StreamAdapter } from '../adapters/stream-adapter.interface';
import type { ResolvedStreamsOptions } from '../options/streams-options.interface';
import { STREAMS_ADAPTER, STREAMS_OPTIONS } from '../streams.constants';
import { MemoryMutationLedger } from '../adapters/mutation-ledger/memory-mutation.ledger';
import { MUTATION_LEDGER } from '../adapters/mutation-ledger/mutation.ledger';
import { MutationHandlersRegistry } from './mutation-handlers.registry';
import { MutationsExplorer } from './mutations.explorer';
import { MutationsRunner } from './mutations.runner';

/** What StreamsModule provides for client mutations: the ledger (the adapter's shared one, or in-process), discovery and the runner. */
export const MUTATIONS_PROVIDERS: Provider[] = [
  {
    provide: MUTATION_LEDGER,
    useFactory: (options: ResolvedStreamsOptions, adapter: StreamAdapter) => adapter.mutationLedger?.(options.mutations) ?? new MemoryMutationLedger(options.mutations),
    inject: [STREAMS_OPTIONS, STREAMS_ADAPTER],
  },
  MutationHandlersRegistry,
  MutationsExplorer,
  MutationsRunner,
];
