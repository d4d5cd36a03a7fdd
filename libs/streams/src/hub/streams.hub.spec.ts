import { Logger } from '@nestjs/common';
import { MemoryStreamAdapter } from '../adapters/memory/memory.adapter';
import type { HubEvent } from './hub.event';
import { StreamsHub } from './streams.hub';

describe('StreamsHub', () => {
  afterEach(() => jest.restoreAllMocks());

  it('member isolation: every member after a throwing one still gets the event, each failure is logged, the write succeeds', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const adapter = new MemoryStreamAdapter();
    const hub = new StreamsHub(adapter);
    const got: string[] = [];
    const member = (name: string, fails = false) => ({
      deliver: (event: HubEvent) => {
        got.push(`${name}:${event.envelope.seq}`);
        if (fails) throw new Error(`${name} failed`);
      },
      continuityLost: () => undefined,
    });
    for (const m of [member('a'), member('b', true), member('c'), member('d', true), member('e')]) await hub.bind('s', 'g', m);
    const { envelope } = await adapter.set('s', 'g', 'i', 1);
    expect(got).toEqual(['a', 'b', 'c', 'd', 'e'].map((name) => `${name}:${envelope!.seq}`));
    expect(errors.mock.calls.map(([message]) => message)).toEqual(['A stream listener failed: b failed', 'A stream listener failed: d failed']);
    await adapter.close();
  });
});
