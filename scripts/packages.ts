/*
 * Builds and packs the three published packages (`npm run build`, `npm run pack`):
 *   node -r @swc-node/register scripts/packages.ts build
 *   node -r @swc-node/register scripts/packages.ts pack [destination]   (default dist/packages)
 * nest-realtime-streams is CommonJS (Nest 12's ESM packages load from it through require(esm)); the protocol
 * package (what server and client share) and the client ship CommonJS from tsc plus one ESM bundle from
 * esbuild, both typed. The protocol comes first: the others compile against its declarations (their
 * tsconfig.lib.json maps it to its dist) and load it at run time as a dependency, never bundled in.
 */
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Builds the packages and `npm pack`s them into `destination`; returns the tarball paths in PACKAGES order. */
export function packPackages(destination = join(ROOT, 'dist/packages')): string[] {
  buildPackages();
  mkdirSync(destination, { recursive: true });
  return PACKAGES.map((pkg) => {
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', destination], join(ROOT, pkg.dir))) as [{ filename: string }];
    return join(destination, packed.filename);
  });
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
