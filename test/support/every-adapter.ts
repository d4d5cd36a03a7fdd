import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamsModuleOptions } from 'nest-realtime-streams';
import { deletePrefix, describeRedis, REDIS_URL, uniquePrefix } from './redis';

/** A suite of app tests given the module options to boot with and what to clean up after each app. */
export type AdapterSuite = (adapter: string, options: () => StreamsModuleOptions, cleanup: () => Promise<void>) => void;

/**
 * Runs `suite` on the memory adapter, the file adapter (a fresh directory per app, removed after) and Redis
 * (its own key prefix per app, deleted after; skipped loudly without Redis, never under CI).
 */
export function onEveryAdapter(label: string, suite: AdapterSuite): void {
  const dirs: string[] = [];
  suite('memory', () => ({}), async () => undefined);
  suite(
    'file',
    () => {
      const path = mkdtempSync(join(tmpdir(), `${label}-`));
      dirs.push(path);
      return { adapter: { type: 'file', path } };
    },
    async () => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  );
  describeRedis('Redis', () => {
    let prefix = '';
    suite(
      'redis',
      () => {
        prefix = uniquePrefix(label);
        return { adapter: { type: 'redis', url: REDIS_URL, keyPrefix: prefix } };
      },
      () => deletePrefix(prefix),
    );
  });
}
