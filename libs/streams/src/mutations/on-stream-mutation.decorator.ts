import { SetMetadata } from '@nestjs/common';

export const ON_STREAM_MUTATION_METADATA = 'nest-realtime-streams:on_mutation';

export interface OnStreamMutationOptions {
  /**
   * The class-validator DTO `args` must satisfy; they reach the handler transformed into it (as Nest's
   * `ValidationPipe` with `transform`, `whitelist` and `forbidNonWhitelisted`). Without one the handler gets the
   * raw JSON `args` and must check them itself.
   */
  args?: new (...params: never[]) => object;
}

/** What `@OnStreamMutation` records on its method; read by the mutations explorer at bootstrap. */
export interface StreamMutationMetadata extends OnStreamMutationOptions {
  name: string;
}

/**
 * Runs the method for each `mutate` frame named `name` (SPEC §11), with `{ client_id, mutation_id, name, args,
 * context }`, after the method's Nest guards (`@UseGuards`) and the validation of `args`; what it returns is the
 * answer's `result`. Exactly once per (client id, mutation id). Only metadata here: discovery is at bootstrap.
 */
export function OnStreamMutation(name: string, options: OnStreamMutationOptions = {}): MethodDecorator {
  return SetMetadata(ON_STREAM_MUTATION_METADATA, { name, ...options } satisfies StreamMutationMetadata);
}
