import { Injectable } from '@nestjs/common';
import type { StreamMutationPayload } from './mutation.types';

/** One `@OnStreamMutation` method: `invoke` runs its guards and interceptors, then the method. */
export interface RegisteredMutation {
  /** `Class.method`, for logs. */
  handler: string;
  dto: (new (...params: never[]) => object) | undefined;
  invoke: (payload: StreamMutationPayload) => Promise<unknown>;
}

/** Mutation name → its handler, filled by the explorer at bootstrap. One handler per name. */
@Injectable()
export class MutationHandlersRegistry {
  private readonly handlers = new Map<string, RegisteredMutation>();

  add(name: string, mutation: RegisteredMutation): void {
    const taken = this.handlers.get(name);
    if (taken) throw new Error(`@OnStreamMutation('${name}') is on both ${taken.handler} and ${mutation.handler}; a mutation has one handler`);
    this.handlers.set(name, mutation);
  }

  find(name: string): RegisteredMutation | undefined {
    return this.handlers.get(name);
  }
}
