import { type ValidationError, ValidationPipe } from '@nestjs/common';

/** `args` failed their DTO: the failing properties (nested ones as dotted paths) and what each broke. */
export class MutationArgsError extends Error {
  constructor(
    readonly fields: string[],
    message: string,
  ) {
    super(message);
    this.name = 'MutationArgsError';
  }
}

/** Longest `invalid_args` message sent to the client. */
const MAX_MESSAGE = 1024;

/**
 * Validates and transforms `args` into `dto` exactly as Nest's `ValidationPipe` does (it loads class-validator
 * and class-transformer, optional peers of this library), failing closed: properties the DTO does not declare
 * are refused, not passed on. Rejects with MutationArgsError.
 */
export class MutationArgsValidator {
  // Made on the first DTO mutation: ValidationPipe loads class-validator at construction (and ends the process
  // when it is missing), and an app without DTO mutations need not install it.
  private pipe: ValidationPipe | null = null;

  async validate(dto: new (...params: never[]) => object, args: unknown): Promise<unknown> {
    // ValidationPipe passes a non-object through untouched (it only validates objects against a class).
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new MutationArgsError(['args'], 'args must be an object');
    this.pipe ??= createPipe();
    return this.pipe.transform(args, { type: 'body', metatype: dto });
  }
}

/** The optional peers a DTO needs; checked when a handler declares one, so a missing one fails bootstrap, named. */
export function assertValidationPeers(handler: string): void {
  const missing = ['class-validator', 'class-transformer'].filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) throw new Error(`${handler} validates its args with a DTO, which needs ${missing.join(' and ')}: npm install ${missing.join(' ')}`);
}

function createPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors: ValidationError[]) => {
      const failures = flatten(errors);
      const message = failures.map((f) => f.messages.join(', ')).join('; ');
      return new MutationArgsError([...new Set(failures.map((f) => f.field))], message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message);
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; messages: string[] }> {
  return errors.flatMap((error) => {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
