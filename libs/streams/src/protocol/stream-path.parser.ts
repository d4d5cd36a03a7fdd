import { nameProblem } from '../service/streams-input.validator';

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
