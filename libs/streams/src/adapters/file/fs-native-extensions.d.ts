/** The part of `fs-native-extensions` (it ships no types) that the directory lock uses. */
declare module 'fs-native-extensions' {
  /** Takes a lock on the whole file without waiting: false when another descriptor holds a conflicting one. */
  export function tryLock(fd: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number): void;
}
