/*
 * The README's "Install in your app" steps, read from the README itself so the consumer tests run what a user
 * pastes: the `nest new` and `npm install <tarball>` lines of its bash block, and the code blocks marked
 * `<!-- in your app: <file> (<where>) -->`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { REPO } from './consumer-workspace';

/** The README's "Install in your app" section, up to the next heading. */
function section(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## Install in your app');
  return readme.slice(start, readme.indexOf('\n## ', start));
}

/** The arguments the README gives `@nestjs/cli new` (app name and options, without the trailing comment). */
export function readmeNestNewArgs(): string[] {
  const line = /^npx @nestjs\/cli new ([^#\n]+)/m.exec(section());
  if (!line) throw new Error('README "Install in your app" has no `npx @nestjs/cli new` line');
  return line[1].trim().split(/\s+/);
}

/** The tarballs the README installs, in its order, as the packed files `packed` (matched by file name). */
export function readmeTarballs(packed: string[]): string[] {
  const named = [...section().matchAll(/^npm install \.\.\/nest-realtime-streams\/dist\/packages\/(\S+\.tgz)/gm)].map((m) => m[1]);
  return named.map((name) => {
    const file = packed.find((path) => basename(path) === name);
    if (!file) throw new Error(`README installs ${name}, npm run pack makes ${packed.map((path) => basename(path)).join(', ')}`);
    return file;
  });
}

type Where = 'new file' | 'after the imports' | 'in @Module';

/** One marked block: where the README says its lines go. */
interface Step {
  file: string;
  where: Where;
  code: string;
}

function steps(): Step[] {
  const found = [...section().matchAll(/<!-- in your app: (\S+) \((new file|after the imports|in @Module)\) -->\s*```ts\n([\s\S]*?)```/g)];
  return found.map((m) => ({ file: m[1], where: m[2] as Where, code: m[3] }));
}

/** `source` with `entry` put first in its one `<key>: [` array, as the README's `@Module` block shows. */
function prepend(source: string, key: string, entry: string, file: string): string {
  const opening = `${key}: [`;
  if (source.split(opening).length !== 2) throw new Error(`${file} does not contain exactly one \`${opening}\``);
  const at = source.indexOf(opening) + opening.length;
  const empty = source.slice(at).trimStart().startsWith(']');
  return source.slice(0, at) + entry + (empty ? '' : ', ') + source.slice(at);
}

function apply(source: string, step: Step): string {
  if (step.where === 'after the imports') {
    const imports = [...source.matchAll(/^import\b[^;]*;\n/gm)];
    const last = imports.at(-1);
    if (!last) throw new Error(`${step.file} has no import statement`);
    const at = last.index + last[0].length;
    return source.slice(0, at) + step.code + source.slice(at);
  }
  // `  key: [entry, /* ...what is there */],` : the entry goes first, what is there stays.
  return step.code
    .split('\n')
    .filter((line) => line.trim())
    .reduce((text, line) => {
      const entry = /^\s*(\w+): \[(.+), \/\*[^*]*\*\/\],$/.exec(line);
      if (!entry) throw new Error(`README @Module line not understood: ${line}`);
      return prepend(text, entry[1], entry[2], step.file);
    }, source);
}

/** Applies every marked README step to the app in `appDir`; returns the files it wrote. */
export function applyReadmeSteps(appDir: string): string[] {
  const found = steps();
  if (found.length < 3) throw new Error(`README "Install in your app" has ${found.length} marked steps, expected a new file and two app.module edits`);
  for (const step of found) {
    const path = join(appDir, step.file);
    mkdirSync(dirname(path), { recursive: true });
    // A new file must not overwrite one the app has: replacing the user's file is what broke `nest new` apps.
    if (step.where === 'new file') writeFileSync(path, step.code, { flag: 'wx' });
    else writeFileSync(path, apply(readFileSync(path, 'utf8'), step));
  }
  return [...new Set(found.map((step) => step.file))];
}
