import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { createStreamAdapter } from './stream-adapter.factory';
import type { StreamAdapter } from './adapters/stream-adapter.interface';
import { CustomStreamsRegistry } from './custom/custom-streams.registry';
import { StreamsGateway } from './gateway/streams.gateway';
import { StreamsListener } from './gateway/streams.listener';
import { StreamsHub } from './hub/streams.hub';
import type { ResolvedStreamsOptions, StreamsModuleOptions } from './options/streams-options.interface';
import { resolveStreamsOptions } from './options/streams-options.resolver';
import { StreamsMetrics } from './metrics/streams-metrics';
import { MUTATIONS_PROVIDERS } from './mutations/mutations.providers';
import { StreamsService } from './service/streams.service';
import { StreamsStore } from './service/streams.store';
import { StreamsSession } from './session/streams.session';
import { STREAMS_ADAPTER, STREAMS_OPTIONS, STREAMS_PRESENCE } from './streams.constants';
import { LocalPresenceStore } from './presence/local-presence.store';
import { PresenceHub } from './presence/presence.hub';
import { ConfigurableStreamsModule, STREAMS_MODULE_OPTIONS } from './streams.module-definition';
import { StreamHandlersRegistry } from './triggers/stream-handlers.registry';
import { StreamsExplorer } from './triggers/streams.explorer';

/**
 * `StreamsModule.forRoot({...})` or `.forRootAsync({ useFactory, inject })`: the StreamsService, the
 * WebSocket listener and handler discovery. Global unless `isGlobal: false`.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    { provide: STREAMS_OPTIONS, useFactory: (raw: StreamsModuleOptions) => resolveStreamsOptions(raw), inject: [STREAMS_MODULE_OPTIONS] },
    { provide: STREAMS_ADAPTER, useFactory: (options: ResolvedStreamsOptions) => createStreamAdapter(options), inject: [STREAMS_OPTIONS] },
    {
      provide: STREAMS_PRESENCE,
      useFactory: (options: ResolvedStreamsOptions, adapter: StreamAdapter, hub: StreamsHub) =>
        new PresenceHub(adapter.presenceStore?.() ?? new LocalPresenceStore(), hub, options.presence),
      inject: [STREAMS_OPTIONS, STREAMS_ADAPTER, StreamsHub],
    },
    StreamsMetrics,
    CustomStreamsRegistry,
    StreamHandlersRegistry,
    StreamsExplorer,
    StreamsStore,
    StreamsHub,
    StreamsSession,
    StreamsGateway,
    { provide: StreamsListener, useExisting: StreamsGateway },
    StreamsService,
    ...MUTATIONS_PROVIDERS,
  ],
  exports: [StreamsService, StreamsListener, StreamsMetrics, STREAMS_ADAPTER, StreamsHub],
})
export class StreamsModule extends ConfigurableStreamsModule implements OnApplicationShutdown {
  constructor(@Inject(STREAMS_ADAPTER) private readonly adapter: StreamAdapter) {
    super();
  }

  /** The listener closed its clients in `beforeApplicationShutdown`; only now is the adapter released. */
  async onApplicationShutdown(): Promise<void> {
    await this.adapter.close();
  }
}
