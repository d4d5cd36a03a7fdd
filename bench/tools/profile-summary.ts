import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Summarizes a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof=<row>`): where the CPU went, by
 * function (self and inclusive time) and by origin (this library, ws, node internals, GC, ...), ignoring
 * idle time. `--under=<function>` keeps only the samples with that function on the stack (e.g.
 * `publishMessages`: the fan-out itself, without start-up and connection handling).
 * Usage: node -r @swc-node/register bench/tools/profile-summary.ts <file.cpuprofile> [--top=25] [--under=<function>]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const ROOT = `${process.cwd()}/`;

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(ROOT, url.slice(7)) : url;
  return `${functionName || '(anonymous)'} ${file ? `${file.replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : ''}`.trim();
}

function origin(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.includes('libs/streams/src')) return 'nest-realtime-streams';
  if (url.includes('/bench/')) return 'bench harness';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  return url.startsWith('node:') ? 'node internals' : url;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top=25] [--under=<function>]');
  const top = Number(option('top') ?? 25);
  const under = option('under');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const origins = new Map<string, number>();
  let busy = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) stack.push(byId.get(id) as ProfileNode);
    if (under && !stack.some((frame) => frame.callFrame.functionName === under)) continue;
    busy += hits;
    self.set(frameName(n), (self.get(frameName(n)) ?? 0) + hits);
    origins.set(origin(n), (origins.get(origin(n)) ?? 0) + hits);
    // Each distinct frame on the stack gets the hits once (recursion counted once).
    for (const name of new Set(stack.map(frameName))) inclusive.set(name, (inclusive.get(name) ?? 0) + hits);
  }
  const pct = (hits: number) => `${((hits / busy) * 100).toFixed(1).padStart(5)} %`;
  const list = (title: string, map: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [name, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(hits)}  ${name}`);
  };
  const scope = under ? ` under ${under}` : '';
  console.log(`${file}: ${((busy * usPerSample) / 1e6).toFixed(2)} s busy${scope} of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s`);
  list('by origin (self time)', origins, 12);
  list('by function, self time', self, top);
  list('by function, inclusive time', inclusive, top);
}

main();
