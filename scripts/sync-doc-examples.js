#!/usr/bin/env node
// Rewrites every `<!-- example: path -->` code block in the READMEs and docs/ with the file it names, so a
// page shows exactly the code its test runs (test/e2e/doc-examples.e2e-spec.ts checks the same).
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const pages = ['README.md', 'libs/streams/README.md', 'libs/streams-client/README.md'].map((p) => join(root, p));
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name));
    else if (entry.name.endsWith('.md')) pages.push(join(dir, entry.name));
  }
};
walk(join(root, 'docs'));
for (const page of pages) {
  const text = readFileSync(page, 'utf8');
  const synced = text.replace(/(<!-- example: (\S+) -->\s*```(?:tsx?|nginx)\n)[\s\S]*?```/g, (_, head, file) => `${head}${readFileSync(join(root, file), 'utf8')}\`\`\``);
  if (synced !== text) {
    writeFileSync(page, synced);
    console.log(`synced ${page.slice(root.length + 1)}`);
  }
}
