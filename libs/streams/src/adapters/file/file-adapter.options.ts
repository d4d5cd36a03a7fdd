/**
 * When a write's promise resolves (see docs/reference/file-adapter.md):
 * - `commit` (default): the LMDB transaction is committed. The write survives the process being killed
 *   (`kill -9`, OOM, crash); an OS crash or power loss may lose the last commits whose background fsync
 *   had not finished (a few ms), and the store reopens at the last flushed commit, never corrupt.
 * - `flush`: the commit is also fsynced, so the write survives power loss too. Same throughput under
 *   concurrent load (writes share commits); a lone sequential writer waits for one fsync per write.
 */
export type FileDurability = 'commit' | 'flush';

export const FILE_DURABILITIES: readonly FileDurability[] = ['commit', 'flush'];

export interface FileAdapterOptions {
  type: 'file';
  /** Directory holding the store (created if missing). It must hold nothing but this store. */
  path: string;
  /** What an acknowledged write survives. Default `commit`. */
  durability?: FileDurability;
}

/** The keys a file adapter's options may have (any other is refused at bootstrap). */
export const FILE_ADAPTER_KEYS = ['type', 'path', 'durability'] as const;

/** Checks the file adapter's options, pushing one message per bad field onto `issues`. */
export function validateFileAdapterOptions(value: Record<string, unknown>, issues: string[]): void {
  if (typeof value.path !== 'string' || value.path.trim() === '') {
    issues.push('adapter.path must be a non-empty directory path for the file adapter');
  }
  if (value.durability !== undefined && !FILE_DURABILITIES.includes(value.durability as FileDurability)) {
    issues.push(`adapter.durability must be one of ${FILE_DURABILITIES.join(', ')} (got ${JSON.stringify(value.durability)})`);
  }
}
