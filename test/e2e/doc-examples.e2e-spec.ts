import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { docPages, EXAMPLE_BLOCK, ROOT as root } from '../../scripts/doc-pages';

/**
 * A code block marked `<!-- example: path -->` shows that file exactly; the file is compiled and run by a
 * test (a spec under examples/, or the e2e test that imports it), so what a page shows is what runs.
 * `npm run docs:sync` rewrites the blocks from the files after an example changed.
 */
describe('code shown in the docs', () => {
  const shown = docPages().flatMap((page) => [...readFileSync(page, 'utf8').matchAll(EXAMPLE_BLOCK)].map((m) => ({ page: relative(root, page), file: m[2], code: m[3] })));

  it('finds the marked examples', () => {
    const examples = ['chat-room', 'conflicts', 'idempotent-job', 'typing', 'config-from-env', 'health', 'testing', 'one-port', 'tls', 'several-instances', 'react-group-store', 'react-hooks', 'nginx', 'client', 'options', 'outbox-pg', 'outbox-typeorm', 'outbox-kysely', 'outbox-drizzle', 'outbox-cls', 'streaming-text', 'large-items', 'todo-mutations'].map((name) => expect.stringMatching(new RegExp(`^examples/${name}\\.example\\.`)));
    expect(shown.map((s) => s.file)).toEqual(expect.arrayContaining(examples));
  });

  it.each(shown.map((s) => [s.page, s.file, s.code]))('%s shows exactly %s', (_page, file, code) => {
    expect(code).toBe(readFileSync(join(root, file), 'utf8'));
  });
});
