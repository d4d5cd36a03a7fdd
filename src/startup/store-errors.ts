import { StartupError } from './port-errors';

/** The library's error for a file store another process holds (docs/reference/file-adapter.md, "One process per store"). */
interface StoreLockedError {
  code: 'STREAMS_STORE_LOCKED';
  directory: string;
  holder: string;
}

function storeLocked(error: unknown): error is StoreLockedError {
  return (error as { code?: unknown } | null)?.code === 'STREAMS_STORE_LOCKED';
}

/**
 * Creates the app; a file store already open elsewhere (most often a second `npm start` in this checkout)
 * becomes a StartupError that says what to do, instead of a stack trace.
 */
export async function explainStoreErrors<T>(create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!storeLocked(error)) throw error;
    const { directory, holder } = error;
    throw new StartupError(
      `The stream store ${directory} is already open in ${holder}: is the demo already running? Stop it, or run ` +
        `another copy with its own store and ports: STREAMS_DATA_DIR=${directory}-2 PORT=3001 STREAMS_PORT=3113 npm start`,
      { cause: error },
    );
  }
}
