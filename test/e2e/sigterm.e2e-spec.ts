import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsModule, StreamsService } from 'nest-realtime-streams';
import { Test } from '@nestjs/testing';
import { waitFor } from '../support/wait-for';
import { TestClient } from '../support/ws-client';

/** SPEC §7.7: SIGTERM during writes keeps every acknowledged write and closes clients with 1001. */
describe('SIGTERM during writes (SPEC §7.7)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streams-sigterm-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write and closes clients with 1001', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../support/sigterm-writer.app.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitForChild = (check: () => boolean) => waitFor(check, { ms: 20_000, everyMs: 20, what: () => `the child; it said: ${out.slice(-300)}` });
    await waitForChild(() => /port \d+/.test(out));
    const port = Number(/port (\d+)/.exec(out)![1]);
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/stream/log/g`);
    await waitForChild(() => (out.match(/ack /g) ?? []).length > 200);

    child.kill('SIGTERM');
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // The 1001 proves the shutdown hooks ran (a plain kill would drop the TCP connection: 1006); Nest then
    // re-raises the signal, so the process ends by SIGTERM rather than with an exit code.
    expect((await client.closedWith()).code).toBe(1001);
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });

    // Each item's last acknowledged value, which the reopened store must hold (or a later one).
    const acked = [...out.matchAll(/ack (\d+)/g)].map((m) => Number(m[1]));
    const lastAck = new Map<string, number>();
    for (const n of acked) lastAck.set(`i${n % 50}`, n);
    const moduleRef = await Test.createTestingModule({ imports: [StreamsModule.forRoot({ port: 0, adapter: { type: 'file', path: dir } })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const streams = app.get(StreamsService);
    for (const [item, n] of lastAck) {
      const value = (await streams.get<{ n: number }>({ stream_name: 'log', group_id: 'g', item_id: item }))!;
      expect(value.n).toBeGreaterThanOrEqual(n);
    }
    expect(lastAck.size).toBe(50);
    await app.close();
  }, 60_000);
});
