import fc from 'fast-check';
import { MAX_PRESENCE_STATE_DEPTH, parseClientMessage } from './client-message.parser';
import { ERROR_CODES } from './protocol.constants';
import { parseStreamPath, underPrefix } from './stream-path.parser';

/** A value nesting arrays `levels` deep. */
const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);

describe('parseClientMessage (SPEC §4.3 client frames, §7.2 error frames)', () => {
  const join = { type: 'join', data: { subscriptionId: 's1', streamName: 'chat', groupId: 'room-1' } };

  it('parses join and leave, with and without an item id, from text or binary', () => {
    expect(parseClientMessage(JSON.stringify(join))).toEqual({ kind: 'join', data: { ...join.data, id: null } });
    expect(parseClientMessage(Buffer.from(JSON.stringify({ type: 'leave', data: { ...join.data, id: 'm1' } })))).toEqual({
      kind: 'leave',
      data: { ...join.data, id: 'm1' },
    });
  });

  it('accepts empty names and an empty subscription id, as iii does ("" is an item id, not "no item")', () => {
    const empty = { subscriptionId: '', streamName: '', groupId: '' };
    expect(parseClientMessage(JSON.stringify({ type: 'join', data: empty }))).toEqual({ kind: 'join', data: { ...empty, id: null } });
    expect(parseClientMessage(JSON.stringify({ type: 'leave', data: { ...empty, id: '' } }))).toEqual({ kind: 'leave', data: { ...empty, id: '' } });
  });

  it('parses the extensions: presence on a group join, presence state, refresh', () => {
    expect(parseClientMessage(JSON.stringify({ ...join, data: { ...join.data, presence: true } }))).toMatchObject({ kind: 'join', data: { presence: 'members' } });
    expect(parseClientMessage(JSON.stringify({ ...join, data: { ...join.data, presence: 'count' } }))).toMatchObject({ kind: 'join', data: { presence: 'count' } });
    expect(parseClientMessage(JSON.stringify({ ...join, data: { ...join.data, presence: false } }))).toEqual({ kind: 'join', data: { ...join.data, id: null } });
    expect(parseClientMessage('{"type":"presence","data":{"subscriptionId":"p","state":{"typing":true}}}')).toEqual({ kind: 'presence', subscriptionId: 'p', state: { typing: true } });
    expect(parseClientMessage('{"type":"presence","data":{"subscriptionId":"p"}}')).toEqual({ kind: 'presence', subscriptionId: 'p', state: null });
    const deepest = { a: nest(MAX_PRESENCE_STATE_DEPTH - 1) }; // at the bound
    expect(parseClientMessage(JSON.stringify({ type: 'presence', data: { subscriptionId: 'p', state: deepest } }))).toEqual({ kind: 'presence', subscriptionId: 'p', state: deepest });
    const bottomless = `{"type":"presence","data":{"subscriptionId":"p","state":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(parseClientMessage(bottomless)).toMatchObject({ kind: 'error', code: ERROR_CODES.INVALID_FIELD, field: 'data.state' });
    expect(parseClientMessage('{"type":"refresh","data":{"token":"t"}}')).toEqual({ kind: 'refresh', token: 't' });
  });

  it.each([
    [{ ...join, data: { ...join.data, presence: 'yes' } }, 'data.presence'],
    [{ ...join, data: { ...join.data, id: 'item', presence: true } }, 'data.presence'],
    [{ type: 'presence', data: { state: 1 } }, 'data.subscriptionId'],
    [{ type: 'presence', data: { subscriptionId: 'p', state: nest(MAX_PRESENCE_STATE_DEPTH + 1) } }, 'data.state'],
    [{ type: 'refresh', data: { token: '' } }, 'data.token'],
    [{ type: 'refresh', data: { token: 'x'.repeat(16 * 1024 + 1) } }, 'data.token'],
  ])('refuses a bad extension field: %j → %s', (message, field) => {
    expect(parseClientMessage(JSON.stringify(message))).toMatchObject({ kind: 'error', code: ERROR_CODES.INVALID_FIELD, field });
  });

  it('ignores empty and whitespace-only frames, as iii does', () => {
    expect(parseClientMessage('')).toEqual({ kind: 'ignore' });
    expect(parseClientMessage(' \n\t')).toEqual({ kind: 'ignore' });
  });

  it.each([
    ['{nope', ERROR_CODES.INVALID_JSON, undefined],
    [Buffer.from([0xff, 0xfe, 0x7b]), ERROR_CODES.INVALID_JSON, undefined],
    ['[1,2]', ERROR_CODES.INVALID_MESSAGE, undefined],
    ['"join"', ERROR_CODES.INVALID_MESSAGE, undefined],
    ['{"type":"subscribe","data":{}}', ERROR_CODES.UNKNOWN_TYPE, 'type'],
    ['{"type":"join"}', ERROR_CODES.INVALID_FIELD, 'data'],
    ['{"type":"join","data":{"streamName":"s","groupId":"g"}}', ERROR_CODES.INVALID_FIELD, 'data.subscriptionId'],
    ['{"type":"join","data":{"subscriptionId":"s","groupId":"g"}}', ERROR_CODES.INVALID_FIELD, 'data.streamName'],
    ['{"type":"join","data":{"subscriptionId":"s","streamName":"s","groupId":7}}', ERROR_CODES.INVALID_FIELD, 'data.groupId'],
    ['{"type":"join","data":{"subscriptionId":"s","streamName":"s","groupId":"g","id":7}}', ERROR_CODES.INVALID_FIELD, 'data.id'],
  ])('%s → %s', (raw, code, field) => {
    const result = parseClientMessage(raw);
    expect(result).toMatchObject({ kind: 'error', code, message: expect.any(String) });
    if (field) expect(result).toMatchObject({ field });
  });

  it('never throws and only ever yields join, leave, ignore or a known error code (fuzz)', () => {
    const codes = new Set<string>(Object.values(ERROR_CODES));
    const frames = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record({ type: fc.constantFrom('join', 'leave', 'x', 1, null), data: fc.anything() }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v) ?? ''),
      fc.record({ subscriptionId: fc.anything(), streamName: fc.anything(), groupId: fc.anything(), id: fc.anything() }).map((d) =>
        JSON.stringify({ type: 'join', data: d }) ?? '',
      ),
    );
    fc.assert(
      fc.property(frames, (raw) => {
        const result = parseClientMessage(raw);
        if (result.kind === 'error') return codes.has(result.code) && result.message.length > 0;
        if (result.kind === 'ignore') return true;
        if (result.kind === 'presence') return typeof result.subscriptionId === 'string';
        if (result.kind === 'refresh') return typeof result.token === 'string' && result.token !== '';
        if (result.kind === 'mutate') return typeof result.request.clientId === 'string' && Number.isSafeInteger(result.request.mutationId);
        const d = result.data;
        return [d.subscriptionId, d.streamName, d.groupId].every((s) => typeof s === 'string') && (d.id === null || typeof d.id === 'string');
      }),
      { numRuns: 2000 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseStreamPath (SPEC §4.1 endpoints)', () => {
  it.each([
    ['/', { kind: 'root' }],
    ['/?token=x', { kind: 'root' }],
    ['/stream/chat/room-1', { kind: 'stream', streamName: 'chat', groupId: 'room-1', itemId: null }],
    ['/stream/chat/room-1/', { kind: 'stream', streamName: 'chat', groupId: 'room-1', itemId: null }],
    ['/stream/chat/room-1/m9?x=1', { kind: 'stream', streamName: 'chat', groupId: 'room-1', itemId: 'm9' }],
    ['/stream/a%3Ab/gr%C3%BCp%2Fx/it%20em', { kind: 'stream', streamName: 'a:b', groupId: 'grüp/x', itemId: 'it em' }],
  ])('%s', (url, route) => {
    expect(parseStreamPath(url)).toEqual(route);
  });

  // Empty names are valid in a join, but a URL cannot carry one unambiguously (see parseStreamPath).
  it.each(['/nope', '/stream', '/stream/chat', '/stream//g', '/stream/s//i', '/stream/s/g/i/extra', '/stream/s/g//', '/stream/%E0%A4%A/g', '/stream/%ED%A0%80/g', `/stream/${'x'.repeat(257)}/g`, '/streams/s/g'])('%s → 404', (url) => {
    expect(parseStreamPath(url)).toBeNull();
  });
});

describe('underPrefix (SPEC §12: attach under a path prefix)', () => {
  it.each([
    ['/streams', '/'],
    ['/streams/', '/'],
    ['/streams?token=x', '/?token=x'],
    ['/streams/stream/chat/room-1', '/stream/chat/room-1'],
    ['/streams/nope', '/nope'],
  ])('%s → %s', (url, rest) => {
    expect(underPrefix(url, '/streams')).toBe(rest);
  });

  it.each(['/', '/socket.io/?EIO=4', '/streamsX', '/stream/chat/room-1', '/other/streams'])('%s is outside the prefix', (url) => {
    expect(underPrefix(url, '/streams')).toBeNull();
  });
});

describe('parseClientMessage: deltas (SPEC §9)', () => {
  const join = (extra: Record<string, unknown>) => parseClientMessage(JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'x', groupId: 'g', ...extra } }));

  it('takes `deltas: true` on a group or item join; absent, false or null is a plain join', () => {
    expect(join({ deltas: true })).toMatchObject({ kind: 'join', data: { deltas: true } });
    expect(join({ deltas: true, id: 'i' })).toMatchObject({ kind: 'join', data: { deltas: true, id: 'i' } });
    for (const plain of [{}, { deltas: false }, { deltas: null }]) expect(join(plain)).not.toHaveProperty('data.deltas');
  });

  it('refuses any other value, naming the field', () => {
    expect(join({ deltas: 'yes' })).toMatchObject({ kind: 'error', field: 'data.deltas' });
  });
});
