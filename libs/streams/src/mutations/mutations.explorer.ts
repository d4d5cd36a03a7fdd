import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import { ON_STREAM_MUTATION_METADATA, type StreamMutationMetadata } from './on-stream-mutation.decorator';
import { assertValidationPeers } from './mutation-args.validator';
import { MutationHandlersRegistry } from './mutation-handlers.registry';
import type { StreamMutationPayload } from './mutation.types';

/**
 * Finds `@OnStreamMutation` methods on every provider and controller at module init and registers each wrapped
 * the Nest way (`ExternalContextCreator`, as @nestjs/graphql and @nestjs/microservices do): the method's and its
 * class's guards and interceptors (global ones included) run before it, in a `ws` ExecutionContext whose
 * `switchToWs().getClient()` is the handler's payload (with the connection's `context`) and `getData()` its args.
 */
@Injectable()
export class MutationsExplorer implements OnModuleInit {
  private readonly logger = new Logger('Streams');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly contexts: ExternalContextCreator,
    private readonly registry: MutationHandlersRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || wrapper.isAlias) continue;
      const className = instance.constructor?.name ?? String(wrapper.name);
      for (const methodName of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const method = instance[methodName];
        if (typeof method !== 'function') continue;
        const meta = Reflect.getMetadata(ON_STREAM_MUTATION_METADATA, method) as StreamMutationMetadata | undefined;
        if (!meta) continue;
        const handler = `${className}.${methodName}`;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(`${handler} is on a request-scoped provider; mutation handlers must be on singletons, so it is skipped`);
          continue;
        }
        if (typeof meta.name !== 'string' || meta.name === '') throw new Error(`@OnStreamMutation on ${handler} needs a non-empty name`);
        if (meta.args) assertValidationPeers(`@OnStreamMutation('${meta.name}') on ${handler}`);
        const run = this.contexts.create(instance, method as (...args: unknown[]) => unknown, methodName, undefined, undefined, undefined, undefined, { guards: true, interceptors: true, filters: false }, 'ws');
        this.registry.add(meta.name, { handler, dto: meta.args, invoke: (payload: StreamMutationPayload) => run(payload, payload.args) });
      }
    }
  }
}
