// Rewrites every `<!-- example: path -->` code block in the READMEs and docs/ with the file it names, so a
// page shows exactly the code its test runs (test/e2e/doc-examples.e2e-spec.ts checks the same).
// Run: node -r @swc-node/register scripts/sync-doc-examples.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { docPages, EXAMPLE_BLOCK, ROOT } from './doc-pages';

for (const page of docPages()) {
  const text = readFileSync(page, 'utf8');
  const synced = text.replace(EXAMPLE_BLOCK, (_, head: string, file: string) => `${head}${readFileSync(join(ROOT, file), 'utf8')}\`\`\``);
  if (synced !== text) {
    writeFileSync(page, synced);
    console.log(`synced ${relative(ROOT, page)}`);
  }
}
