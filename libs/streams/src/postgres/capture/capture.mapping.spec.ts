import { StreamsOptionsError } from '../../errors/streams.errors';
import { resolvePostgresOptions } from '../streams-postgres.options';
import { formatLsn, parseLsn } from './capture.lsn';
import { CaptureMappingError, mapChange, type ResolvedStreamTable, type StreamTableDeclaration } from './capture.mapping';

const table = (declaration: Partial<StreamTableDeclaration> = {}): ResolvedStreamTable =>
  resolvePostgresOptions({ connectionString: 'postgres://x', capture: { tables: [{ table: 'orders', stream: 'orders', group: 'shop', id: 'id', ...declaration }] } }).capture!.tables[0];
const at = { stream_name: 'orders', group_id: 'a', item_id: '1' };

describe('capture: a row change → stream writes', () => {
  it('insert → set of the row; update → set of the new row; delete → delete by the old row', () => {
    const row = { id: 1, shop: 'a', total: 10 };
    expect(mapChange(table(), { kind: 'insert', row })).toEqual([{ operation: 'set', ...at, data: row }]);
    expect(mapChange(table(), { kind: 'update', row: { ...row, total: 11 }, old: null })).toEqual([{ operation: 'set', ...at, data: { ...row, total: 11 } }]);
    expect(mapChange(table(), { kind: 'delete', old: row })).toEqual([{ operation: 'delete', ...at }]);
  });

  it('keeps the declared columns, in their order, with timestamps and bytes as JSON text', () => {
    const row = { id: 1, shop: 'a', at: new Date('2026-01-02T03:04:05.000Z'), blob: Buffer.from([1, 255]), secret: 'x' };
    expect(mapChange(table({ columns: ['blob', 'at', 'id'] }), { kind: 'insert', row })).toEqual([{ operation: 'set', ...at, data: { blob: '\\x01ff', at: '2026-01-02T03:04:05.000Z', id: 1 } }]);
  });

  it('merges the columns sent when one was not (an unchanged TOAST value) instead of replacing the item', () => {
    expect(mapChange(table(), { kind: 'update', row: { id: 1, shop: 'a', body: undefined, total: 3 }, old: null })).toEqual([
      { operation: 'update', ...at, ops: [{ type: 'merge', value: { id: 1, shop: 'a', total: 3 } }] },
    ]);
  });

  it('a row whose group or id changed leaves its old item: delete there, set here (a key-only old row lends the other columns from the new one)', () => {
    expect(mapChange(table(), { kind: 'update', row: { id: 1, shop: 'b' }, old: { id: 1, shop: 'a' } })).toEqual([
      { operation: 'delete', ...at },
      { operation: 'set', ...at, group_id: 'b', data: { id: 1, shop: 'b' } },
    ]);
    expect(mapChange(table(), { kind: 'update', row: { id: 2, shop: 'a' }, old: { id: 1, shop: undefined } })).toEqual([
      { operation: 'delete', ...at },
      { operation: 'set', ...at, item_id: '2', data: { id: 2, shop: 'a' } },
    ]);
  });

  it('filter: an insert it refuses is nothing, an update it refuses deletes the item', () => {
    const filtered = table({ filter: (row) => row.total > 0 });
    expect(mapChange(filtered, { kind: 'insert', row: { id: 1, shop: 'a', total: 0 } })).toEqual([]);
    expect(mapChange(filtered, { kind: 'update', row: { id: 1, shop: 'a', total: 0 }, old: null })).toEqual([{ operation: 'delete', ...at }]);
  });

  it('a group function gets the row; a row without id or group, or a function failing, is a CaptureMappingError naming the table', () => {
    expect(mapChange(table({ group: (row: { total: number }) => (row.total > 5 ? 'big' : 'small') }), { kind: 'insert', row: { id: 1, total: 9 } })).toEqual([
      { operation: 'set', ...at, group_id: 'big', data: { id: 1, total: 9 } },
    ]);
    expect(() => mapChange(table(), { kind: 'insert', row: { id: null, shop: 'a' } })).toThrow(new CaptureMappingError('public.orders → orders: the id column id is null'));
    expect(() => mapChange(table(), { kind: 'delete', old: { id: 1, shop: undefined } })).toThrow(new CaptureMappingError('public.orders → orders: the group column shop is undefined'));
    expect(() => mapChange(table({ group: () => 7 as unknown as string }), { kind: 'insert', row: { id: 1 } })).toThrow('the group function returned number, not a string');
    const boom = table({
      filter: () => {
        throw new Error('boom');
      },
    });
    expect(() => mapChange(boom, { kind: 'insert', row: { id: 1, shop: 'a' } })).toThrow(new CaptureMappingError('public.orders → orders: boom'));
  });
});

describe('capture options', () => {
  it('applies the defaults and resolves the table name', () => {
    const { capture } = resolvePostgresOptions({ connectionString: 'postgres://x', capture: { tables: [{ table: 'shop.orders', stream: 'o', group: 'shop', id: 'id' }] } });
    expect(capture).toMatchObject({ slot: 'streams_capture', publication: 'streams_capture', consumer: true, retryMs: 1000, maxLagBytes: 1024 ** 3 });
    expect(capture!.tables[0]).toMatchObject({ schema: 'shop', name: 'orders', qualified: 'shop.orders', sql: '"shop"."orders"', columns: null, filter: null });
    expect(resolvePostgresOptions({ connectionString: 'postgres://x' }).capture).toBeNull();
  });

  it('names every bad field in one error', () => {
    const bad = () =>
      resolvePostgresOptions({
        connectionString: 'postgres://x',
        capture: {
          slot: 'Bad-Slot',
          maxLagBytes: 0,
          typo: true,
          tables: [
            { table: 'Orders', stream: '', group: 3, id: 'id', columns: ['a', 'a'], filter: 'yes', extra: 1 },
            { table: 'o', stream: 's', group: 'g', id: 'id' },
            { table: 'public.o', stream: 's', group: 'g', id: 'id' },
          ],
        },
      });
    expect(bad).toThrow(StreamsOptionsError);
    expect(bad).toThrow(
      expect.objectContaining({
        issues: [
          'StreamsPostgresModule: capture.typo is not a known option (known: tables, slot, publication, consumer, retryMs, maxLagBytes)',
          'StreamsPostgresModule: capture.tables[0].extra is not a known option (known: table, stream, group, id, columns, filter)',
          'StreamsPostgresModule: capture.tables[0].table must be a table name such as orders or shop.orders (lower-case letters, digits, _; got "Orders")',
          'StreamsPostgresModule: capture.tables[0].stream must be a non-empty string',
          'StreamsPostgresModule: capture.tables[0].group must be a column name or a function of the row returning the group id',
          'StreamsPostgresModule: capture.tables[0].columns must be a non-empty array of distinct column names',
          'StreamsPostgresModule: capture.tables[0].filter must be a function of the row returning true for rows that are items',
          'StreamsPostgresModule: capture.tables declares public.o → s twice',
          'StreamsPostgresModule: capture.slot must be a lower-case name of letters, digits and _ (at most 63; got "Bad-Slot")',
          'StreamsPostgresModule: capture.maxLagBytes must be an integer from 1 to 9007199254740991 (got 0)',
        ],
      }),
    );
    expect(() => resolvePostgresOptions({ connectionString: 'postgres://x', capture: { tables: [] } })).toThrow(
      'StreamsPostgresModule: capture.tables must be a non-empty array of table declarations { table, stream, group, id, columns?, filter? }',
    );
  });
});

describe('capture LSNs', () => {
  it('parse and format WAL positions', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(parseLsn('16/B374D848') - 1n)).toBe('16/B374D847');
    expect(formatLsn(parseLsn('1/0') - 1n)).toBe('0/FFFFFFFF');
  });
});
