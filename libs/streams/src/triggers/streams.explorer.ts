import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import type { CustomStream } from '../custom/custom-stream.interface';
import { CustomStreamsRegistry } from '../custom/custom-streams.registry';
import {
  CUSTOM_STREAM_METADATA,
  ON_STREAM_CHANGE_METADATA,
  ON_STREAM_JOIN_METADATA,
  ON_STREAM_LEAVE_METADATA,
} from '../streams.constants';
import type { OnStreamChangeOptions } from './decorators/on-stream-change.decorator';
import type { OnStreamSubscriptionOptions } from './decorators/on-stream-subscription.decorator';
import { type HandlerFn, StreamHandlersRegistry } from './stream-handlers.registry';

/**
 * Finds `@OnStreamChange` / `@OnStreamJoin` / `@OnStreamLeave` methods and `@CustomStreamProvider` classes on
 * every provider and controller at module init (before the listener opens), and registers them.
 */
@Injectable()
export class StreamsExplorer implements OnModuleInit {
  private readonly logger = new Logger('Streams');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly handlers: StreamHandlersRegistry,
    private readonly customStreams: CustomStreamsRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      // Aliases (`useExisting`) point at an instance that is scanned under its own wrapper.
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) continue;
      this.exploreInstance(wrapper, instance);
    }
  }

  private exploreInstance(wrapper: InstanceWrapper, instance: Record<string, unknown>): void {
    const className = instance.constructor?.name ?? String(wrapper.name);
    const customName = Reflect.getMetadata(CUSTOM_STREAM_METADATA, instance.constructor) as string | undefined;
    if (customName !== undefined) this.customStreams.register(customName, instance as unknown as CustomStream, className);

    const prototype = Object.getPrototypeOf(instance) as object;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = instance[methodName];
      if (typeof method !== 'function') continue;
      const change = metadata<OnStreamChangeOptions>(ON_STREAM_CHANGE_METADATA, method);
      const join = metadata<OnStreamSubscriptionOptions>(ON_STREAM_JOIN_METADATA, method);
      const leave = metadata<OnStreamSubscriptionOptions>(ON_STREAM_LEAVE_METADATA, method);
      if (change.length + join.length + leave.length === 0) continue;

      const name = `${className}.${methodName}`;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(`${name} is on a request-scoped provider; stream handlers must be on singletons, so it is skipped`);
        continue;
      }
      const call: HandlerFn = (payload) => (method as HandlerFn).call(instance, payload);
      for (const filter of change) {
        if (typeof filter?.stream_name !== 'string' || filter.stream_name === '') {
          throw new Error(`@OnStreamChange on ${name} needs a non-empty stream_name`);
        }
        this.handlers.addChange(filter, name, call);
      }
      for (const filter of join) this.handlers.addJoin(filter, name, call);
      for (const filter of leave) this.handlers.addLeave(filter, name, call);
    }
  }
}

function metadata<T>(key: string, method: object): T[] {
  return (Reflect.getMetadata(key, method) as T[] | undefined) ?? [];
}
