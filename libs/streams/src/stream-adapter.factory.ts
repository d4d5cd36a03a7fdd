import { assertPeerInstalled } from './errors/missing-peer.error';
import type { ResolvedStreamsOptions } from './options/streams-options.interface';
import { MemoryStreamAdapter } from './adapters/memory/memory.adapter';
import type { StreamAdapter } from './adapters/stream-adapter.interface';

/** Builds the adapter the options name. Backends with native or optional dependencies load lazily. */
export async function createStreamAdapter(options: ResolvedStreamsOptions): Promise<StreamAdapter> {
  const adapter = options.adapter;
  switch (adapter.type) {
    case 'memory':
      return new MemoryStreamAdapter(options.history, options.idempotency);
    case 'file': {
      assertPeerInstalled('lmdb', 'The file adapter');
      // Installed with the library (an optional dependency: prebuilt for the common platforms only).
      assertPeerInstalled('fs-native-extensions', 'The file adapter');
      const { FileStreamAdapter } = await import('./adapters/file/file.adapter');
      return FileStreamAdapter.open(adapter, options.history, options.idempotency);
    }
    case 'redis': {
      assertPeerInstalled('ioredis', 'The redis adapter');
      const { RedisStreamAdapter } = await import('./adapters/redis/redis.adapter');
      return RedisStreamAdapter.connect(adapter, options.history, options.idempotency);
    }
  }
}
