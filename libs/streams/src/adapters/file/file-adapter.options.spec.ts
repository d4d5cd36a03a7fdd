import { validateFileAdapterOptions } from './file-adapter.options';

describe('validateFileAdapterOptions', () => {
  const issuesOf = (value: Record<string, unknown>) => {
    const issues: string[] = [];
    validateFileAdapterOptions(value, issues);
    return issues;
  };

  it('accepts a path with or without a known durability', () => {
    expect(issuesOf({ type: 'file', path: './data' })).toEqual([]);
    expect(issuesOf({ type: 'file', path: './data', durability: 'commit' })).toEqual([]);
    expect(issuesOf({ type: 'file', path: './data', durability: 'flush' })).toEqual([]);
  });

  it('names every bad field', () => {
    expect(issuesOf({ type: 'file', path: ' ', durability: 'never' })).toEqual([
      'adapter.path must be a non-empty directory path for the file adapter',
      'adapter.durability must be one of commit, flush (got "never")',
    ]);
  });
});
