import { Injectable } from '@nestjs/common';
import { StreamsInputError } from '../errors/streams.errors';
import { nameProblem } from '../common/stream-name';
import type { CustomStream } from './custom-stream.interface';

const REQUIRED_METHODS = ['get', 'set', 'delete', 'list', 'listGroups'] as const;

/** Streams backed by user code, by stream name. */
@Injectable()
export class CustomStreamsRegistry {
  private readonly streams = new Map<string, CustomStream>();

  register(streamName: string, impl: CustomStream, owner = 'custom stream'): void {
    const problem = nameProblem(streamName);
    if (problem) throw new StreamsInputError('stream_name', problem);
    const missing = REQUIRED_METHODS.filter((m) => typeof (impl as unknown as Record<string, unknown>)?.[m] !== 'function');
    if (missing.length > 0) throw new StreamsInputError('stream', `${owner} for "${streamName}" lacks ${missing.join(', ')}`);
    if (this.streams.has(streamName)) throw new StreamsInputError('stream_name', `a custom stream "${streamName}" is already registered`);
    this.streams.set(streamName, impl);
  }

  unregister(streamName: string): void {
    this.streams.delete(streamName);
  }

  find(streamName: string): CustomStream | undefined {
    return this.streams.get(streamName);
  }
}
