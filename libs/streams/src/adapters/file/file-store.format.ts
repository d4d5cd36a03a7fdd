import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Key } from 'lmdb';
import { LOCK_FILE } from './file-directory.lock';
import { storeKeys } from './file-store.keys';

/*
 * Recognising a store before trusting it. Nothing here writes to, moves or deletes an existing file: a
 * directory that is not plainly ours is refused with an error naming it, and the user decides.
 */

/** Version 2 keeps each item's version in its index record (format 1 items read as unversioned). */
export const STORE_FORMAT = { format: 'nest-realtime-streams/file', version: 2 } as const;

export const DATA_FILE = 'data.mdb';
const KNOWN_ENTRIES: ReadonlySet<string> = new Set([DATA_FILE, 'lock.mdb', LOCK_FILE]);

/** Creates the directory if missing; refuses a path that is not a directory or holds files of something else. */
export function prepareDirectory(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new Error(`File stream store ${dir} is not a directory`);
  mkdirSync(dir, { recursive: true });
  const foreign = readdirSync(dir).filter((name) => !KNOWN_ENTRIES.has(name));
  if (foreign.length > 0) {
    throw new Error(`File stream store ${dir} holds files that are not part of a store (${foreign.slice(0, 5).join(', ')}); point the adapter at an empty or dedicated directory`);
  }
}

/*
 * LMDB maps its file and trusts its pages: opening a file that is not an LMDB environment, or one cut
 * short, crashes the process (SIGSEGV/SIGBUS) instead of throwing. So the two meta pages are checked
 * first. Layout of the LMDB built into lmdb-js 3 (data format 2, 64-bit): a 24-byte page header, then
 * magic u32, version u32, address u64, map size u64, two 48-byte database records (the first one's
 * first u32 holds the page size), last used page u64, transaction id u64.
 */
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const META = { magic: 24, version: 28, pageSize: 48, lastPage: 144, txnId: 152, end: 160 } as const;

interface MetaPage {
  lastPage: bigint;
  txnId: bigint;
}

/** Throws when `data.mdb` exists but is not a whole LMDB environment this build can open safely. */
export function checkDataFile(dir: string): void {
  const file = join(dir, DATA_FILE);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    const first = readMeta(fd, 0, size, file);
    const pageSize = readHeader(fd, 0).readUInt32LE(META.pageSize);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw damaged(file, `invalid page size ${pageSize}`);
    const second = readMeta(fd, pageSize, size, file);
    // The older meta page is the last state known flushed; it must lie wholly inside the file.
    const older = first.txnId < second.txnId ? first : second;
    const needed = (older.lastPage + 1n) * BigInt(pageSize);
    if (BigInt(size) < needed) throw damaged(file, `truncated: ${size} bytes, the database needs at least ${needed}`);
  } finally {
    closeSync(fd);
  }
}

function readHeader(fd: number, offset: number): Buffer {
  const buf = Buffer.alloc(META.end);
  readSync(fd, buf, 0, META.end, offset);
  return buf;
}

function readMeta(fd: number, offset: number, size: number, file: string): MetaPage {
  if (size < offset + META.end) throw damaged(file, `too short (${size} bytes) to be an LMDB database`);
  const buf = readHeader(fd, offset);
  if (buf.readUInt32LE(META.magic) !== MAGIC) throw damaged(file, 'not an LMDB database (bad magic number)');
  const version = buf.readUInt32LE(META.version);
  if (version !== DATA_VERSION) throw damaged(file, `LMDB data format ${version}, this build reads format ${DATA_VERSION}`);
  return { lastPage: buf.readBigUInt64LE(META.lastPage), txnId: buf.readBigUInt64LE(META.txnId) };
}

function damaged(file: string, why: string): Error {
  return new Error(`File stream store data file ${file} cannot be opened: ${why}. Nothing was changed; restore it from a backup or point the adapter at another directory`);
}

/**
 * Accepts our own marker, writes it into an environment with no records at all (a new store, or one whose
 * creation was interrupted) and refuses anything else: an LMDB database of another program or a newer format.
 * An older format is read as it is and its marker raised, so that a release which cannot read what this one
 * writes refuses the store instead of misreading it.
 */
export async function checkFormatMarker(db: Database<string, Key>, dir: string): Promise<void> {
  const text = db.get(storeKeys.format);
  if (text === undefined) {
    if (db.getKeysCount({ limit: 1 }) > 0) {
      throw new Error(`File stream store ${dir} holds an LMDB database of another program (no ${STORE_FORMAT.format} marker); it was left untouched`);
    }
    await db.put(storeKeys.format, JSON.stringify(STORE_FORMAT));
    return;
  }
  const marker = parseMarker(text);
  if (marker?.format !== STORE_FORMAT.format || typeof marker.version !== 'number') {
    throw new Error(`File stream store ${dir} holds an LMDB database of another program (unexpected format marker); it was left untouched`);
  }
  if (marker.version > STORE_FORMAT.version) {
    throw new Error(`File stream store ${dir} was written in format version ${marker.version} by a newer release; this one reads up to version ${STORE_FORMAT.version}`);
  }
  if (marker.version < STORE_FORMAT.version) await db.put(storeKeys.format, JSON.stringify(STORE_FORMAT));
}

type Marker = { format?: unknown; version?: unknown };

function parseMarker(text: string): Marker | null {
  try {
    const marker: unknown = JSON.parse(text);
    return typeof marker === 'object' ? (marker as Marker | null) : null;
  } catch {
    return null;
  }
}
