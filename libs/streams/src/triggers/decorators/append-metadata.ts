/**
 * A method decorator that only records `value` under `key` on the method, appended to an array so one
 * method may carry the same decorator several times. The explorer reads it at bootstrap.
 */
export function AppendMethodMetadata(key: string, value: unknown): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const previous = (Reflect.getMetadata(key, method) as unknown[] | undefined) ?? [];
    Reflect.defineMetadata(key, [...previous, value], method);
    return descriptor;
  };
}
