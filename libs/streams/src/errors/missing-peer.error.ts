import { StreamsError } from './streams.errors';

/** A feature was chosen whose optional peer package is not installed; the message is the one line to act on. */
export class StreamsMissingPeerError extends StreamsError {
  readonly code = 'STREAMS_MISSING_PEER';

  constructor(
    readonly feature: string,
    readonly packageName: string,
  ) {
    super(`${feature} needs the "${packageName}" package: npm install ${packageName}`);
  }
}

/**
 * Throws StreamsMissingPeerError unless `packageName` resolves from this library, so a missing optional peer
 * fails with what to install instead of a MODULE_NOT_FOUND stack. Resolving (not loading) keeps a broken
 * install of a present package reporting its own error.
 */
export function assertPeerInstalled(packageName: string, feature: string): void {
  try {
    require.resolve(packageName);
  } catch {
    throw new StreamsMissingPeerError(feature, packageName);
  }
}
