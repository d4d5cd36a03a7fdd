import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { FileStreamAdapter } from './file.adapter';
import { STORE_FORMAT } from './file-store.format';
import { storeKeys } from './file-store.keys';
import { UNVERSIONED } from '../item-write.condition';

/** A damaged or foreign directory is refused with an error naming it, and left exactly as it was. */
describe('file store: refusing what is not a store', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-format-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const openStore = () => FileStreamAdapter.open({ type: 'file', path: dir });

  /** Every file of the directory with its bytes, to prove a refusal changed nothing (LMDB's lock.mdb aside). */
  const contents = () =>
    readdirSync(dir)
      .filter((name) => name !== 'lock.mdb')
      .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]);

  /** Writes records with lmdb directly, as another program (or another version of this one) would. */
  const writeLmdb = async (records: [key: string[], value: unknown][], encoding: 'msgpack' | 'string' = 'msgpack') => {
    const db = open({ path: dir, noSubdir: false, encoding });
    for (const [key, value] of records) await db.put(key, value);
    await db.close();
  };

  it('refuses a directory holding files of something else, creating nothing in it', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const before = contents();
    await expect(openStore()).rejects.toThrow(`File stream store ${dir} holds files that are not part of a store (notes.txt)`);
    expect(contents()).toEqual(before);
  });

  it('refuses a path that is a file', async () => {
    const file = join(dir, 'store');
    writeFileSync(file, 'x');
    await expect(FileStreamAdapter.open({ type: 'file', path: file })).rejects.toThrow(`File stream store ${file} is not a directory`);
  });

  it('refuses a data.mdb of random bytes, leaving it untouched', async () => {
    writeFileSync(join(dir, 'data.mdb'), randomBytes(20_000));
    const before = contents();
    await expect(openStore()).rejects.toThrow(`data file ${join(dir, 'data.mdb')} cannot be opened: not an LMDB database`);
    expect(contents()).toEqual(before);
  });

  it('refuses a data.mdb too short to hold a database', async () => {
    writeFileSync(join(dir, 'data.mdb'), 'short');
    await expect(openStore()).rejects.toThrow('too short');
  });

  it('refuses a truncated store', async () => {
    const adapter = await openStore();
    for (let i = 0; i < 50; i++) await adapter.set('s', 'g', `i${i}`, 'x'.repeat(2000));
    await adapter.close();
    truncateSync(join(dir, 'data.mdb'), 4096 * 3);
    const before = contents();
    await expect(openStore()).rejects.toThrow(/cannot be opened: truncated: 12288 bytes, the database needs at least \d+/);
    expect(contents()).toEqual(before);
  });

  it('refuses an LMDB database of another program, leaving it untouched', async () => {
    await writeLmdb([[['user', '1'], { name: 'someone else' }]]);
    const before = contents();
    await expect(openStore()).rejects.toThrow(`File stream store ${dir} holds an LMDB database of another program (no ${STORE_FORMAT.format} marker)`);
    expect(contents()).toEqual(before);
    const db = open({ path: dir, noSubdir: false });
    expect(db.get(['user', '1'])).toEqual({ name: 'someone else' });
    await db.close();
  });

  it('refuses an LMDB database whose marker is not ours', async () => {
    await writeLmdb([[['m', 'format'], { format: 'something/else' }]]);
    await expect(openStore()).rejects.toThrow('unexpected format marker');
  });

  it('refuses a store written in a newer format version', async () => {
    await writeLmdb([[['m', 'format'], JSON.stringify({ format: STORE_FORMAT.format, version: STORE_FORMAT.version + 1 })]], 'string');
    await expect(openStore()).rejects.toThrow(`File stream store ${dir} was written in format version ${STORE_FORMAT.version + 1} by a newer release`);
  });

  it('opens an environment left empty by an interrupted first start, and its own store again', async () => {
    await writeLmdb([]);
    const adapter = await openStore();
    await adapter.set('s', 'g', 'i', 1);
    await adapter.close();
    const again = await openStore();
    await expect(again.get('s', 'g', 'i')).resolves.toBe(1);
    await again.close();
  });

  it('reads a format 1 store (items without versions): each item is UNVERSIONED until written, and the marker is raised', async () => {
    await writeLmdb(
      [
        [storeKeys.format as string[], JSON.stringify({ format: STORE_FORMAT.format, version: 1 })],
        [storeKeys.group('s', 'g') as string[], JSON.stringify({ count: 1, next: 1 })],
        [storeKeys.insertion('s', 'g', 'i') as string[], '0'],
        [storeKeys.value('s', 'g', 0) as string[], '{"n":1}'],
      ],
      'string',
    );
    const adapter = await openStore();
    await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 1 }, version: UNVERSIONED });
    const written = await adapter.set('s', 'g', 'i', { n: 2 }, { condition: { if_version: UNVERSIONED } });
    await expect(adapter.getVersioned('s', 'g', 'i')).resolves.toEqual({ value: { n: 2 }, version: written.version });
    await expect(adapter.list('s', 'g')).resolves.toEqual([{ n: 2 }]);
    await adapter.close();
    const db = open({ path: dir, noSubdir: false, encoding: 'string' });
    expect(JSON.parse(db.get(storeKeys.format) as string)).toEqual(STORE_FORMAT);
    await db.close();
  });
});
