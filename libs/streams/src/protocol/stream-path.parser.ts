import { nameProblem } from '../common/stream-name';

export type StreamRoute =
  | { kind: 'root' }
  | { kind: 'stream'; streamName: string; groupId: string; itemId: string | null };

/**
 * The listener's routes: `/` (multiplexed) and `/stream/{stream}/{group}[/{item}]` (joined on connect,
 * percent-decoded, a trailing slash allowed). Anything else, malformed escapes and invalid names included, is
 * null (404). An empty name is refused here although a `join` accepts one: with the trailing-slash rule a URL
 * cannot say it unambiguously (`/stream/s/g/` is the group, not its item `""`).
 */
export function parseStreamPath(url: string | undefined): StreamRoute | null {
  const path = (url ?? '/').split('?', 1)[0];
  if (path === '/' || path === '') return { kind: 'root' };
  const parts = path.replace(/\/$/, '').split('/');
  if (parts[0] !== '' || parts[1] !== 'stream' || parts.length < 4 || parts.length > 5) return null;
  try {
    const names = parts.slice(2).map(decodeURIComponent);
    if (names.some((n) => n === '' || nameProblem(n) !== null)) return null;
    const [streamName, groupId, itemId] = names;
    return { kind: 'stream', streamName, groupId, itemId: itemId ?? null };
  } catch {
    return null;
  }
}

/**
 * With `attach`, the part of the URL under `prefix` (`/streams/stream/a/b` → `/stream/a/b`, `/streams?x` →
 * `/?x`), or null when the URL is outside it (`/streamsX`, `/other`): those upgrades belong to someone else.
 */
export function underPrefix(url: string | undefined, prefix: string): string | null {
  const raw = url ?? '/';
  if (!raw.startsWith(prefix)) return null;
  const rest = raw.slice(prefix.length);
  if (rest === '' || rest.startsWith('?')) return `/${rest}`;
  return rest.startsWith('/') ? rest : null;
}
