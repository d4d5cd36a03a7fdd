export type StreamRoute =
  | { kind: 'root' }
  | { kind: 'stream'; streamName: string; groupId: string; itemId: string | null };

/**
 * The listener's routes: `/` (multiplexed) and `/stream/{stream}/{group}[/{item}]` (joined on connect,
 * percent-decoded, a trailing slash allowed). Anything else, malformed escapes included, is null (404).
 */
export function parseStreamPath(url: string | undefined): StreamRoute | null {
  const path = (url ?? '/').split('?', 1)[0];
  if (path === '/' || path === '') return { kind: 'root' };
  const parts = path.replace(/\/$/, '').split('/');
  if (parts[0] !== '' || parts[1] !== 'stream' || parts.length < 4 || parts.length > 5) return null;
  try {
    const [streamName, groupId, itemId] = parts.slice(2).map(decodeURIComponent);
    if (!streamName || !groupId || itemId === '') return null;
    return { kind: 'stream', streamName, groupId, itemId: itemId ?? null };
  } catch {
    return null;
  }
}
