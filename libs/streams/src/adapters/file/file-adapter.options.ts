export interface FileAdapterOptions {
  type: 'file';
  /** Directory holding the store (created if missing). */
  path: string;
}

/** Checks the file adapter's options, pushing one message per bad field onto `issues`. */
export function validateFileAdapterOptions(value: Record<string, unknown>, issues: string[]): void {
  if (typeof value.path !== 'string' || value.path.trim() === '') {
    issues.push('adapter.path must be a non-empty directory path for the file adapter');
  }
}
