/*
 * Builds and packs the three published packages (`npm run build`, `npm run pack`):
 *   node -r @swc-node/register scripts/packages.ts build
 *   node -r @swc-node/register scripts/packages.ts pack [destination]   (default dist/packages)
 * nest-realtime-streams is CommonJS (Nest 12's ESM packages load from it through require(esm)); the protocol
 * package (what server and client share) and the client ship CommonJS from tsc plus one ESM bundle from
 * esbuild, both typed. The protocol comes first: the others compile against its declarations (their
 * tsconfig.lib.json maps it to its dist) and load it at run time as a dependency, never bundled in.
 * `repository`, `homepage` and `bugs` are written into the packed manifests from the repository's public
 * address (STREAMS_REPOSITORY_URL, else the `origin` remote), never guessed: without one they are left out.
 */
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');

export interface PackageSource {
  name: string;
  /** Folder of the package.json, relative to the repo root. */
  dir: string;
  /** Also emit an ESM bundle (dist/index.mjs, typed by dist/index.d.mts). */
  esm: boolean;
}

export const PACKAGES: readonly PackageSource[] = [
  { name: 'nest-realtime-streams-protocol', dir: 'libs/streams-protocol', esm: true },
  { name: 'nest-realtime-streams', dir: 'libs/streams', esm: false },
  { name: 'nest-realtime-streams-client', dir: 'libs/streams-client', esm: true },
];

function run(command: string, args: string[], cwd = ROOT): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export function buildPackage(pkg: PackageSource): void {
  const dir = join(ROOT, pkg.dir);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'tsconfig.lib.json')]);
  if (pkg.esm) {
    buildSync({
      entryPoints: [join(dir, 'src/index.ts')],
      outfile: join(dir, 'dist/index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      // Dependencies stay imports (the protocol package is installed once, shared by server and client).
      external: Object.keys((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}),
      target: 'es2022',
      sourcemap: true,
      logLevel: 'warning',
    });
    // The ESM entry's types: the same declarations, seen by TypeScript as an ES module.
    writeFileSync(join(dir, 'dist/index.d.mts'), "export * from './index.js';\n");
  }
  // One LICENSE at the root; each tarball carries a copy (npm only packs the package folder).
  copyFileSync(join(ROOT, 'LICENSE'), join(dir, 'LICENSE'));
}

export function buildPackages(): void {
  for (const pkg of PACKAGES) buildPackage(pkg);
}

/**
 * The repository's public https address: STREAMS_REPOSITORY_URL (refused unless it is one), else the `origin`
 * remote's when it is a web or SSH address (a clone of a local path has none); null otherwise.
 */
export function repositoryUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const toHttps = (url: string) => {
    // git@host:owner/name(.git) and https://host/owner/name(.git) both become https://host/owner/name.
    const https = url.trim().replace(/^git@([^:]+):/, 'https://$1/').replace(/\.git$/, '');
    return /^https:\/\/[^/\s]+\/[^/\s]+\/[^/\s]+$/.test(https) ? https : null;
  };
  const explicit = env.STREAMS_REPOSITORY_URL?.trim();
  if (explicit) {
    const url = toHttps(explicit);
    if (!url) throw new Error(`STREAMS_REPOSITORY_URL is not a repository address (https://host/owner/name): ${explicit}`);
    return url;
  }
  try {
    return toHttps(execFileSync('git', ['remote', 'get-url', 'origin'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return null;
  }
}

/** The manifest fields npm shows and uses to resolve the README's relative links, for a package in `dir`. */
export function repositoryFields(url: string, dir: string) {
  return { repository: { type: 'git', url: `git+${url}.git`, directory: dir }, homepage: `${url}/tree/HEAD/${dir}#readme`, bugs: { url: `${url}/issues` } };
}

/**
 * `npm pack`s one built package into `destination` from a staged copy, so the repository fields never touch
 * the tracked package.json; returns the tarball's path.
 */
export function packPackage(pkg: PackageSource, destination: string, url = repositoryUrl()): string {
  const stage = mkdtempSync(join(tmpdir(), 'streams-pack-'));
  try {
    for (const file of ['dist', 'README.md', 'LICENSE', 'package.json']) cpSync(join(ROOT, pkg.dir, file), join(stage, file), { recursive: true });
    const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as Record<string, unknown>;
    if (url) writeFileSync(join(stage, 'package.json'), `${JSON.stringify({ ...manifest, ...repositoryFields(url, pkg.dir) }, null, 2)}\n`);
    mkdirSync(destination, { recursive: true });
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', destination], stage)) as [{ filename: string }];
    return join(destination, packed.filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Builds the packages and packs them into `destination`; returns the tarball paths in PACKAGES order. */
export function packPackages(destination = join(ROOT, 'dist/packages')): string[] {
  buildPackages();
  return PACKAGES.map((pkg) => packPackage(pkg, destination));
}

if (require.main === module) {
  const [command, destination] = process.argv.slice(2);
  if (command === 'build') buildPackages();
  else if (command === 'pack') console.log(packPackages(destination && resolve(destination)).join('\n'));
  else {
    console.error('usage: scripts/packages.ts build | pack [destination]');
    process.exitCode = 2;
  }
}
