/*
 * The child process of test/e2e/file-disk-full.e2e-spec.ts: a Nest app on the file adapter whose store
 * lives on a small tmpfs, writing on command. It runs under Node's default `--unhandled-rejections=throw`,
 * so any rejection the store leaves unhandled ends it, which the test sees as an exit.
 *   node -r @swc-node/register test/support/file-disk-full.app.ts <store dir> <durability>
 * Prints `port <n>` once listening, then reads one command a line from stdin, running each at once (so
 * several sent together share commits) and answering each when it settles:
 *   set <item> <bytes>   sets item <item> of stream `disk`, group `g`, to { item, pad } with a pad of
 *                        <bytes> characters; answers `ok <item>` or `err <item> <code> <message>`
 * Closes the app and exits 0 when stdin closes.
 */
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type FileDurability, StreamsListener, StreamsModule, StreamsOperationError, StreamsService } from 'nest-realtime-streams';

export const DISK_STREAM = 'disk';
export const DISK_GROUP = 'g';

async function main(dir: string, durability: FileDurability): Promise<void> {
  @Module({ imports: [StreamsModule.forRoot({ port: 0, host: '127.0.0.1', adapter: { type: 'file', path: dir, durability } })] })
  class DiskFullModule {}

  const app = await NestFactory.createApplicationContext(DiskFullModule, { logger: false });
  const streams = app.get(StreamsService);
  const set = async (item: string, bytes: number): Promise<string> => {
    try {
      await streams.set({ stream_name: DISK_STREAM, group_id: DISK_GROUP, item_id: item, data: { item, pad: 'x'.repeat(bytes) } });
      return `ok ${item}`;
    } catch (error) {
      const code = error instanceof StreamsOperationError ? error.code : 'other';
      return `err ${item} ${code} ${(error as Error).message}`;
    }
  };
  const pending = new Set<Promise<void>>();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [command, item, bytes] = line.split('\t');
    if (command !== 'set') throw new Error(`unknown command ${command}`);
    const done = set(item, Number(bytes)).then((answer) => {
      process.stdout.write(`${answer}\n`);
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  });
  lines.on('close', () => {
    void Promise.all(pending)
      .then(() => app.close())
      .then(() => process.exit(0));
  });
  process.stdout.write(`port ${app.get(StreamsListener).address().port}\n`);
}

if (require.main === module) void main(process.argv[2], process.argv[3] as FileDurability);
