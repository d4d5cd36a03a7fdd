import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

/** Every Markdown page a user reads: the READMEs (the packages' too), the CHANGELOG and docs/ (guides included). */
export function docPages(): string[] {
  const found = ['README.md', 'CHANGELOG.md', 'libs/streams/README.md', 'libs/streams-client/README.md', 'libs/streams-protocol/README.md'].map((page) => join(ROOT, page));
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.md')) found.push(join(dir, entry.name));
    }
  };
  walk(join(ROOT, 'docs'));
  return found;
}

/** A `<!-- example: path -->` marker and the code block under it (TypeScript, TSX or an nginx config). */
export const EXAMPLE_BLOCK = /(<!-- example: (\S+) -->\s*```(?:tsx?|nginx)\n)([\s\S]*?)```/g;
