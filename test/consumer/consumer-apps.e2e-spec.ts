/*
 * The published packages as a user gets them: all three are built and packed, then installed from their tarballs
 * into throwaway apps OUTSIDE the repo (Nest 11 and Nest 12), compiled with the app's own plain tsc
 * (skipLibCheck false) as CommonJS (node10 resolution) and as ES modules (nodenext), and run under plain
 * node. Nest 12 is ESM-only and Jest cannot load it, so every app runs in a child process.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PACKAGES, packPackage, packPackages, repositoryFields, repositoryUrl } from '../../scripts/packages';
import { deletePrefix, freePort, REDIS_URL, redisAvailable, uniquePrefix } from '../support/redis';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';
import { compileFixture, generateNestApp, installApp, type ModuleKind, REPO, replaceOnce, repoVersion, run, RunningApp, succeed } from './consumer-workspace';
import { applyReadmeSteps, readmeNestNewArgs, readmeTarballs } from './readme-install';

jest.setTimeout(120_000);

const WORK = mkdtempSync(join(tmpdir(), 'streams-consumer-'));
let protocolTarball = '';
let streamsTarball = '';
let clientTarball = '';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  main: string;
  types: string;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as Manifest;
const pinned = (...names: string[]) => Object.fromEntries(names.map((name) => [name, repoVersion(name)]));

/** The app's side of every consumer: TypeScript, Node types, ws (and its types) for the client, the optional peers. */
const appTooling = () => pinned('typescript', '@types/node', 'ws', '@types/ws', 'reflect-metadata', 'rxjs', 'lmdb', 'ioredis');
const NEST_11 = () => pinned('@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/config', '@nestjs/terminus');
/** Pinned, so the README's support table names what ran (Nest 12 is fetched once, then served from the cache). */
const NEST_12 = {
  '@nestjs/common': '12.5.1',
  '@nestjs/core': '12.5.1',
  '@nestjs/platform-express': '12.5.1',
  '@nestjs/config': '12.0.1',
  '@nestjs/terminus': '12.1.0',
};

const apps = { nest11: join(WORK, 'nest11'), nest12: join(WORK, 'nest12'), bare: join(WORK, 'bare') };

beforeAll(() => {
  [protocolTarball, streamsTarball, clientTarball] = packPackages(join(WORK, 'packages'));
}, 120_000);

/** The three apps, installed once for every test that needs them (in parallel: mostly waiting on npm). */
let installed: Promise<unknown> | null = null;
function installApps(): Promise<unknown> {
  // The protocol package is what both depend on; until it is on the registry, its tarball satisfies them.
  const protocol = { 'nest-realtime-streams-protocol': `file:${protocolTarball}` };
  const ours = { ...protocol, 'nest-realtime-streams': `file:${streamsTarball}`, 'nest-realtime-streams-client': `file:${clientTarball}` };
  installed ??= Promise.all([
    installApp(apps.nest11, { ...ours, ...NEST_11(), ...appTooling() }),
    installApp(apps.nest12, { ...ours, ...NEST_12, ...appTooling() }),
    // Only the library and the peers npm installs by itself: no optional peer, no @types/ws.
    installApp(apps.bare, { ...protocol, 'nest-realtime-streams': `file:${streamsTarball}`, ...pinned('@nestjs/common', '@nestjs/core', 'typescript', '@types/node') }),
  ]);
  return installed;
}

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** Bare package names a built file loads, split into loaded at once and loaded lazily (`await import()`). */
function requiresOf(file: string): { eager: string[]; lazy: string[] } {
  const code = readFileSync(file, 'utf8');
  const lazy = [...code.matchAll(/Promise\.resolve\(\)\.then\(\(\) => __importStar\(require\("([^"]+)"\)\)\)/g)].map((m) => m[1]);
  const all = [...code.matchAll(/\brequire\("([^"]+)"\)|\bfrom\s*["']([^"']+)["']|\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return { eager: all.filter((s) => !lazy.includes(s)), lazy };
}

const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

/** Every package the files reachable from `entry` load at once (following relative requires). */
function eagerPackages(entry: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(entry)) return found;
  seen.add(entry);
  for (const specifier of requiresOf(entry).eager) {
    if (!specifier.startsWith('.')) {
      if (!isBuiltin(specifier)) found.add(packageOf(specifier));
      continue;
    }
    const target = resolve(dirname(entry), specifier);
    eagerPackages(existsSync(`${target}.js`) ? `${target}.js` : join(target, 'index.js'), seen, found);
  }
  return found;
}

const builtFiles = (dir: string, pattern = /\.(m?js)$/): string[] =>
  readdirSync(join(REPO, dir, 'dist'), { recursive: true, encoding: 'utf8' })
    .filter((file) => pattern.test(file))
    .map((file) => join(REPO, dir, 'dist', file));

/** The "tested with" cell of the support table's row whose first cell starts with `label`. */
const testedCell = (table: string, label: string) => new RegExp(`^\\| ${label}[^\\n]*\\| ([^|\\n]+) \\|$`, 'm').exec(table)?.[1] ?? `no row ${label}`;
const installedVersion = (app: string, name: string) => (JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('published packages', () => {
  it.each(PACKAGES.map((pkg) => [pkg.name, pkg.dir]))('%s: every package its built code loads is declared, and every dependency is used', (_name, dir) => {
    const { dependencies = {}, optionalDependencies = {}, peerDependencies = {} } = manifest(dir);
    const packagesIn = (files: string[]) =>
      new Set(
        files
          .flatMap((file) => [...requiresOf(file).eager, ...requiresOf(file).lazy])
          .filter((specifier) => !specifier.startsWith('.') && !isBuiltin(specifier))
          .map(packageOf),
      );
    const loaded = packagesIn(builtFiles(dir));
    // A dependency whose types the published declarations import is used too (the app's tsc resolves it).
    const typed = packagesIn(builtFiles(dir, /\.d\.m?ts$/));
    const declared = new Set([...Object.keys(dependencies), ...Object.keys(optionalDependencies), ...Object.keys(peerDependencies)]);
    expect([...loaded].filter((name) => !declared.has(name))).toEqual([]);
    expect(Object.keys(dependencies).filter((name) => !loaded.has(name) && !typed.has(name))).toEqual([]);
  });

  it('nest-realtime-streams: optional peers (lmdb, ioredis, @nestjs/terminus, pg, pg-logical-replication, drizzle-orm, @nestjs-cls/transactional, class-validator, class-transformer) load only with the feature that needs them', () => {
    const { peerDependencies = {}, peerDependenciesMeta = {} } = manifest('libs/streams');
    const optional = Object.keys(peerDependencies).filter((name) => peerDependenciesMeta[name]?.optional);
    expect(optional.sort()).toEqual(['@nestjs-cls/transactional', '@nestjs/terminus', 'class-transformer', 'class-validator', 'drizzle-orm', 'ioredis', 'lmdb', 'pg', 'pg-logical-replication']);
    const main = eagerPackages(join(REPO, 'libs/streams/dist/index.js'));
    expect([...main].sort()).toEqual(['@nestjs/common', '@nestjs/core', 'fast-json-patch', 'nest-realtime-streams-protocol', 'prom-client', 'ws']);
    expect([...eagerPackages(join(REPO, 'libs/streams/dist/health/index.js'))]).toContain('@nestjs/terminus');
    expect(peerDependencies['@nestjs/core']).toBe('^11.1.7 || ^12.0.0');
  });

  it.each(PACKAGES.map((pkg) => [pkg.name, pkg.dir]))('%s: every exports / typesVersions target exists and ./package.json is exported', (_name, dir) => {
    const { exports, typesVersions = {}, main, types } = manifest(dir);
    expect(exports['./package.json']).toBe('./package.json');
    const targets = JSON.stringify({ exports, typesVersions, main, types }).match(/"(\.\/)?dist\/[^"]+"/g) ?? [];
    expect(targets.length).toBeGreaterThan(2);
    for (const target of targets) expect(existsSync(join(REPO, dir, JSON.parse(target) as string))).toBe(true);
  });

  it.each(PACKAGES.map((pkg) => [pkg.name, pkg.dir]))('%s: npm publish would ship exactly dist, README.md, LICENSE and package.json', async (_name, dir) => {
    const output = await succeed('npm', ['pack', '--dry-run', '--json'], join(REPO, dir), 60_000);
    const [{ files }] = JSON.parse(output.slice(output.indexOf('['))) as [{ files: { path: string }[] }];
    const paths = files.map((file) => file.path);
    expect(paths.filter((path) => !path.startsWith('dist/')).sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths.filter((path) => /\.spec\.|testing\/|tsbuildinfo/.test(path))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts']));
    expect(readFileSync(join(REPO, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(REPO, 'LICENSE'), 'utf8'));
  });

  it('the packed manifests carry repository, homepage and bugs from the repository address, and nothing made up without one', () => {
    const manifestIn = (tarball: string) => JSON.parse(execFileSync('tar', ['-xOzf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
    const url = repositoryUrl();
    expect(manifestIn(streamsTarball).repository ?? null).toEqual(url ? repositoryFields(url, 'libs/streams').repository : null);

    const acme = 'https://github.com/acme/nest-realtime-streams';
    expect(repositoryUrl({ STREAMS_REPOSITORY_URL: 'git@github.com:acme/nest-realtime-streams.git' })).toBe(acme);
    expect(() => repositoryUrl({ STREAMS_REPOSITORY_URL: '/work/main' })).toThrow('not a repository address');
    const packed = manifestIn(packPackage(PACKAGES[2], join(WORK, 'with-repository'), acme));
    expect(packed).toMatchObject({
      name: 'nest-realtime-streams-client',
      repository: { type: 'git', url: `git+${acme}.git`, directory: 'libs/streams-client' },
      homepage: `${acme}/tree/HEAD/libs/streams-client#readme`,
      bugs: { url: `${acme}/issues` },
    });
    expect(manifest('libs/streams-client')).not.toHaveProperty('repository');
  });

  it('the published types hide internals: no wire/json caches on StreamEnvelope, no mutable counters on StreamsMetrics', () => {
    const dist = join(REPO, 'libs/streams/dist');
    const envelope = /export interface StreamEnvelope \{[^}]*\}/.exec(readFileSync(join(dist, 'adapters/stream-adapter.interface.d.ts'), 'utf8'))?.[0];
    expect(envelope).toContain('seq: number');
    expect(envelope).not.toMatch(/\bwire\b|\bjson\b/);
    const metrics = readFileSync(join(dist, 'metrics/streams-metrics.d.ts'), 'utf8');
    expect(metrics).toContain('readonly registry: Registry');
    expect(metrics).not.toMatch(/\b(connections|subscriptions|framesIn|framesOut|slowConsumerCloses|timeAdapter|connectionRefused)\b/);
    const index = readFileSync(join(dist, 'index.d.ts'), 'utf8');
    expect(index).not.toMatch(/\b(StreamAdapter|MemoryStreamAdapter|STREAMS_ADAPTER|StreamEnvelope)\b/);
    expect(index).toMatch(/StreamsModuleAsyncOptions, StreamsOptionsFactory/);
  });
});

describe('an app with only the library installed (no optional peer)', () => {
  beforeAll(installApps, 360_000);

  it('compiles against the published declarations without @types/ws, lmdb or ioredis (skipLibCheck false)', async () => {
    expect(existsSync(join(apps.bare, 'node_modules/@types/ws'))).toBe(false);
    const dir = join(apps.bare, 'types');
    await succeed('mkdir', ['-p', dir], apps.bare, 5_000);
    await succeed('cp', [join(__dirname, 'bare/api-surface.ts'), dir], apps.bare, 5_000);
    const options = ['--strict', '--skipLibCheck', 'false', '--experimentalDecorators', '--module', 'commonjs', '--moduleResolution', 'node10', '--types', 'node', '--noEmit'];
    await succeed(process.execPath, [join(apps.bare, 'node_modules/typescript/bin/tsc'), ...options, join(dir, 'api-surface.ts')], apps.bare, 60_000);
  });

  it('boots the memory adapter (ws and prom-client come with the package)', async () => {
    await succeed('cp', [join(__dirname, 'bare/boot.js'), apps.bare], apps.bare, 5_000);
    const { code, output } = await run(process.execPath, ['boot.js', 'memory'], apps.bare, 30_000);
    expect({ code, booted: output.includes('BOOTED') }).toEqual({ code: 0, booted: true });
  });

  it.each([
    ['file', 'lmdb', 'The file adapter needs the "lmdb" package: npm install lmdb'],
    ['redis', 'ioredis', 'The redis adapter needs the "ioredis" package: npm install ioredis'],
  ])('the %s adapter without %s fails bootstrap with one line saying what to install', async (adapter, _peer, line) => {
    await succeed('cp', [join(__dirname, 'bare/boot.js'), apps.bare], apps.bare, 5_000);
    const { code, output } = await run(process.execPath, ['boot.js', adapter, join(apps.bare, 'data')], apps.bare, 30_000);
    expect(code).not.toBe(0);
    expect(output).toContain(line);
    expect(output).not.toMatch(/MODULE_NOT_FOUND|Cannot find module|Require stack/);
  });

  it('nest-realtime-streams/health without @nestjs/terminus fails with one line saying what to install', async () => {
    const { code, output } = await run(process.execPath, ['-e', "require('nest-realtime-streams/health')"], apps.bare, 30_000);
    expect(code).not.toBe(0);
    expect(output).toContain('nest-realtime-streams/health needs the "@nestjs/terminus" package: npm install @nestjs/terminus');
    expect(output).not.toMatch(/MODULE_NOT_FOUND|Cannot find module|Require stack/);
  });
});

/** Each run picks another adapter, so both optional peers are used on both Nest majors. */
const RUNS: Array<{ nest: 'nest11' | 'nest12'; kind: ModuleKind; adapter: 'file' | 'redis' }> = [
  { nest: 'nest11', kind: 'commonjs', adapter: 'file' },
  { nest: 'nest11', kind: 'nodenext', adapter: 'redis' },
  { nest: 'nest12', kind: 'commonjs', adapter: 'redis' },
  { nest: 'nest12', kind: 'nodenext', adapter: 'file' },
];

/** Redis runs need the shared server; locally they fall back to memory with a loud warning, in CI they fail. */
function adapterEnv(adapter: 'file' | 'redis', dir: string): { env: Record<string, string>; prefix: string | null } {
  if (adapter === 'file') return { env: { STREAMS_ADAPTER: 'file', STREAMS_DATA_DIR: join(dir, 'data') }, prefix: null };
  if (!redisAvailable()) {
    if (process.env.CI) throw new Error(`no Redis answers at ${REDIS_URL}: the consumer app's Redis run must run in CI`);
    console.warn(`\n!!! consumer app: no Redis at ${REDIS_URL}, running the memory adapter instead of redis !!!\n`);
    return { env: { STREAMS_ADAPTER: 'memory' }, prefix: null };
  }
  const prefix = uniquePrefix('consumer');
  return { env: { STREAMS_ADAPTER: 'redis', REDIS_URL, REDIS_PREFIX: prefix }, prefix };
}

describe.each(RUNS)('consumer app on $nest, module $kind, $adapter adapter', ({ nest, kind, adapter }) => {
  beforeAll(installApps, 360_000);

  it('compiles with plain tsc (skipLibCheck false), runs under node: forRootAsync + ConfigService, StreamsService, handlers, health, client package; a raw ws client sees sync then create', async () => {
    const dir = await compileFixture(apps[nest], kind);
    const { env, prefix } = adapterEnv(adapter, dir);
    const app = await RunningApp.start(dir, env, /^READY (.+)$/m);
    const ports = JSON.parse(app.ready[1]) as { http: number; streams: number };
    const http = `http://127.0.0.1:${ports.http}`;
    let ws: TestClient | null = null;
    try {
      ws = await TestClient.connect(`ws://127.0.0.1:${ports.streams}/`);
      ws.join('s1', 'todos', 'list');
      const sync = await ws.next((f) => f.type === 'stream');
      expect(sync.event).toEqual({ type: 'sync', data: [] });

      const posted = await fetch(`${http}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 't1', title: 'Ship it' }) });
      expect(posted.status).toBe(201);
      const create = await ws.next((f) => f.type === 'stream');
      expect({ id: create.id, event: create.event }).toEqual({ id: 't1', event: { type: 'create', data: { id: 't1', title: 'Ship it' } } });

      let report = { changes: [] as string[], joins: [] as string[], clientCreated: [] as string[] };
      const reported = async () => {
        report = (await (await fetch(`${http}/report`)).json()) as typeof report;
        return report.clientCreated.length > 0 && report.changes.length > 0;
      };
      await waitFor(reported, { everyMs: 50, what: () => `the app's report; last: ${JSON.stringify(report)}` });
      expect(report).toEqual({ changes: ['create list/t1'], joins: ['todos/list', 'todos/list'], clientCreated: ['Ship it'] });

      const health = await fetch(`${http}/health`);
      expect({ status: health.status, body: await health.json() }).toMatchObject({ status: 200, body: { status: 'ok', info: { streams: { status: 'up' } } } });

      // enableShutdownHooks: Nest closes the app (clients get 1001), then re-raises the signal.
      expect(await app.stop()).toEqual({ code: null, signal: 'SIGTERM' });
      expect((await ws.closedWith()).code).toBe(1001);
      expect(app.output).not.toMatch(/ERROR|Error:/);
    } finally {
      ws?.close();
      await app.stop();
      if (prefix) await deletePrefix(prefix);
    }
  });
});

/** A README-built app's streams listener on a free loopback port (everything else as written), so tests can run it. */
const onLoopback = (appModule: string) => replaceOnce(appModule, 'forRoot({ port: 3112 })', "forRoot({ port: 0, host: '127.0.0.1' })");
const STREAMS_LISTENING = /Streams listening on ws:\/\/127\.0\.0\.1:(\d+)/;

/** The README's promise: a client subscribed to todos/list gets sync, then the todo POSTed to the app. */
async function expectPostedTodoPushed(http: string, streamsPort: string): Promise<void> {
  const ws = await TestClient.connect(`ws://127.0.0.1:${streamsPort}/stream/todos/list`);
  try {
    expect((await ws.next()).event).toEqual({ type: 'sync', data: [] });
    const posted = await fetch(`${http}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"1","title":"Ship it"}' });
    expect(posted.status).toBe(201);
    expect((await ws.next()).event).toEqual({ type: 'create', data: { id: '1', title: 'Ship it' } });
  } finally {
    ws.close();
  }
}

describe("the README's install steps in an existing app (Nest 11, CommonJS)", () => {
  beforeAll(installApps, 360_000);

  it('pushes a POSTed item to a subscribed WebSocket', async () => {
    const dir = await compileFixture(apps.nest11, 'commonjs', 'quickstart', 'quickstart', (app) => {
      expect(applyReadmeSteps(app)).toEqual(['src/todos.controller.ts', 'src/app.module.ts']);
      onLoopback(join(app, 'src/app.module.ts'));
    });
    const app = await RunningApp.start(dir, {}, new RegExp(`${STREAMS_LISTENING.source}[\\s\\S]*^READY (\\d+)$`, 'm'));
    try {
      await expectPostedTodoPushed(`http://127.0.0.1:${app.ready[2]}`, app.ready[1]);
    } finally {
      await app.stop();
    }
  });
});

describe("the README's install steps in an app from today's `nest new`", () => {
  let dir = '';

  // Generated from the registry's current @nestjs/cli, installed and edited as the README says, built by its own
  // `npm run build` (its TypeScript and module system).
  beforeAll(async () => {
    dir = await generateNestApp(WORK, readmeNestNewArgs());
    for (const tarball of readmeTarballs([protocolTarball, streamsTarball, clientTarball])) {
      await succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], dir, 240_000);
    }
    applyReadmeSteps(dir);
    onLoopback(join(dir, 'src/app.module.ts'));
    await succeed('npm', ['run', 'build'], dir, 120_000);
  }, 480_000);

  it('runs under plain node and pushes a POSTed item to a subscribed WebSocket', async () => {
    const port = await freePort();
    // OBSERVE_ENDPOINT: the template's @nestjs/observe would otherwise report to its hosted collector.
    const env = { PORT: String(port), NO_COLOR: '1', OBSERVE_ENDPOINT: 'http://127.0.0.1:9' };
    const app = await RunningApp.start(dir, env, new RegExp(`${STREAMS_LISTENING.source}[\\s\\S]*Nest application successfully started`));
    try {
      await expectPostedTodoPushed(`http://127.0.0.1:${port}`, app.ready[1]);
    } finally {
      await app.stop();
    }
  });

  it('its own test runner (`npm test`) runs a spec that uses the module', async () => {
    cpSync(join(__dirname, 'nest-new/streams.vitest-spec.ts'), join(dir, 'src/streams.spec.ts'));
    const output = await succeed('npm', ['test'], dir, 60_000, { NO_COLOR: '1' });
    expect(output).toMatch(/✓ src\/streams\.spec\.ts/);
  });

  // The major only: a minor release of Nest or TypeScript upstream must not fail this repository's tests.
  it("the README's support table names its NestJS and TypeScript major", () => {
    const table = readFileSync(join(REPO, 'README.md'), 'utf8').split('Supported versions.')[1];
    for (const [label, name] of [['NestJS', '@nestjs/core'], ['TypeScript', 'typescript']]) {
      const major = installedVersion(dir, name).split('.')[0];
      expect([label, testedCell(table, label)]).toEqual([label, expect.stringMatching(new RegExp(`\\b${major}\\.\\d+ \\(today's \`nest new\``))]);
    }
  });
});

describe("the README's support table", () => {
  beforeAll(installApps, 360_000);

  const table = readFileSync(join(REPO, 'README.md'), 'utf8').split('Supported versions.')[1];
  const tested = (label: string) => testedCell(table, label);

  it('names the versions the consumer apps and this run actually use', async () => {
    expect(tested('Node')).toBe(process.versions.node.split('.').slice(0, 2).join('.'));
    expect(tested('NestJS')).toMatch(new RegExp(`^${installedVersion(apps.nest11, '@nestjs/core')} and ${installedVersion(apps.nest12, '@nestjs/core')} `));
    expect(tested('`@nestjs/terminus`')).toBe(`${installedVersion(apps.nest11, '@nestjs/terminus')} and ${installedVersion(apps.nest12, '@nestjs/terminus')}`);
    for (const [label, name] of [['TypeScript', 'typescript'], ['`ws`', 'ws'], ['`ioredis`', 'ioredis'], ['`lmdb`', 'lmdb']]) {
      // The pinned apps' version first; today's `nest new` follows after "; " (checked with that app).
      expect([label, tested(label).split('; ')[0]]).toEqual([label, installedVersion(apps.nest12, name)]);
      expect([label, installedVersion(apps.nest11, name)]).toEqual([label, installedVersion(REPO, name)]);
    }
    if (redisAvailable() || process.env.CI) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const info = await redis.info('server').finally(() => redis.disconnect());
      expect(tested('Redis server')).toBe(/redis_version:(\S+)/.exec(info)?.[1]);
    }
  });
});

describe('the client package from Node and from a bundler', () => {
  beforeAll(installApps, 360_000);

  it('require() loads the CommonJS build, import the ESM build, both with the same API', async () => {
    const dir = apps.nest11;
    const cjs = await succeed(process.execPath, ['-e', "const c = require('nest-realtime-streams-client'); console.log(require.resolve('nest-realtime-streams-client'), typeof c.StreamsClient, typeof c.backoffDelay)"], dir, 30_000);
    expect(cjs.trim()).toBe(`${join(dir, 'node_modules/nest-realtime-streams-client/dist/index.js')} function function`);
    const esm = await succeed(
      process.execPath,
      ['--input-type=module', '-e', "import { StreamsClient, backoffDelay } from 'nest-realtime-streams-client'; console.log(import.meta.resolve('nest-realtime-streams-client'), typeof StreamsClient, typeof backoffDelay)"],
      dir,
      30_000,
    );
    expect(esm.trim()).toBe(`file://${join(dir, 'node_modules/nest-realtime-streams-client/dist/index.mjs')} function function`);
  });

  it('a browser bundle takes the ESM build and needs nothing else', async () => {
    const result = await build({
      stdin: { contents: "import { StreamsClient } from 'nest-realtime-streams-client'; new StreamsClient({ url: 'ws://localhost:3112/' });", resolveDir: apps.nest11 },
      absWorkingDir: apps.nest11,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((input) => input !== '<stdin>');
    // The client, the protocol package it applies deltas with, and the RFC 6902 library that one uses: ESM builds only.
    expect(inputs).toContain('node_modules/nest-realtime-streams-client/dist/index.mjs');
    expect(inputs).toContain('node_modules/nest-realtime-streams-protocol/dist/index.mjs');
    expect(inputs.filter((input) => !/^node_modules\/(nest-realtime-streams-(client|protocol)\/dist\/index\.mjs|fast-json-patch\/(index\.mjs|module\/))/.test(input))).toEqual([]);
  });
});
