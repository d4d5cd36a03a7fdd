import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../..');

/** Every Markdown page a user reads: the READMEs (the packages' too) and docs/ (guides included). */
function pages(dir = join(root, 'docs')): string[] {
  const found = ['README.md', 'libs/streams/README.md', 'libs/streams-client/README.md'].map((readme) => join(root, readme));
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith('.md')) found.push(join(d, entry.name));
    }
  };
  walk(dir);
  return found;
}

const EXAMPLE = /<!-- example: (\S+) -->\s*```(?:tsx?|nginx)\n([\s\S]*?)```/g;

/**
 * A code block marked `<!-- example: path -->` shows that file exactly; the file is compiled and run by a
 * test (a spec under examples/, or the e2e test that imports it), so what a page shows is what runs.
 * `node scripts/sync-doc-examples.js` rewrites the blocks from the files after an example changed.
 */
describe('code shown in the docs', () => {
  const shown = pages().flatMap((page) => [...readFileSync(page, 'utf8').matchAll(EXAMPLE)].map((m) => ({ page: relative(root, page), file: m[1], code: m[2] })));

  it('finds the marked examples', () => {
    const examples = ['chat-room', 'conflicts', 'idempotent-job', 'typing', 'config-from-env', 'health', 'testing', 'one-port', 'tls', 'several-instances', 'react-group-store', 'react-hooks', 'nginx', 'client', 'options', 'outbox-pg', 'outbox-typeorm', 'outbox-kysely', 'outbox-drizzle', 'outbox-cls', 'todo-mutations'].map((name) => expect.stringMatching(new RegExp(`^examples/${name}\\.example\\.`)));
    expect(shown.map((s) => s.file)).toEqual(expect.arrayContaining(examples));
  });

  it.each(shown.map((s) => [s.page, s.file, s.code]))('%s shows exactly %s', (_page, file, code) => {
    expect(code).toBe(readFileSync(join(root, file), 'utf8'));
  });
});
