import { Socket } from 'node:net';

/**
 * Counts the writes every TCP socket of this process hands to the kernel: `_writeGeneric` runs once per
 * `write` or per corked `writev`, i.e. once per syscall attempt. Patched once at start; the count costs an
 * increment per write, so it can stay on while CPU is measured.
 */
let writes = 0;
const proto = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
const original = proto._writeGeneric;
proto._writeGeneric = function (this: Socket, ...args: unknown[]) {
  writes++;
  return original.apply(this, args);
};

export function socketWrites(): number {
  return writes;
}
