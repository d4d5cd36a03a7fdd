import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { OnStreamLeave, type StreamsModuleOptions, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { startStreamsApp, type StreamsTestApp } from '../support/streams-app';

/** Records every leave the module reports, so a test can see a client's `leave` arrive. */
@Injectable()
export class LeaveRecorder {
  readonly leaves: StreamSubscriptionPayload[] = [];

  @OnStreamLeave()
  onLeave(payload: StreamSubscriptionPayload): void {
    this.leaves.push(payload);
  }
}

/** One backend the Motia clients are tested on; `options` may be called again after a restart (same data). */
export interface BackendCase {
  name: 'memory' | 'file' | 'redis';
  options(): NonNullable<StreamsModuleOptions['adapter']>;
  cleanup(): Promise<void>;
}

export function backendCase(name: BackendCase['name']): BackendCase {
  if (name === 'memory') return { name, options: () => ({ type: 'memory' }), cleanup: async () => undefined };
  if (name === 'file') {
    const path = mkdtempSync(join(tmpdir(), 'iii-clients-'));
    return { name, options: () => ({ type: 'file', path }), cleanup: async () => rmSync(path, { recursive: true, force: true }) };
  }
  const keyPrefix = uniquePrefix('iii-clients');
  return { name, options: () => ({ type: 'redis', url: REDIS_URL, keyPrefix }), cleanup: () => deletePrefix(keyPrefix) };
}

/**
 * The module in a Nest app that can be restarted on the same port, as a deployment restarts: the old app
 * closes (clients get 1001), a new instance with the same adapter options starts. Memory loses its data,
 * file and Redis keep it.
 */
export class RestartableStreams {
  private constructor(
    private readonly backend: BackendCase,
    private current: StreamsTestApp,
  ) {}

  static async start(backend: BackendCase): Promise<RestartableStreams> {
    return new RestartableStreams(backend, await RestartableStreams.boot(backend, 0));
  }

  private static boot(backend: BackendCase, port: number): Promise<StreamsTestApp> {
    return startStreamsApp({ port, adapter: backend.options() }, { providers: [LeaveRecorder] });
  }

  get service(): StreamsTestApp['service'] {
    return this.current.service;
  }

  get url(): string {
    return this.current.url;
  }

  get leaves(): StreamSubscriptionPayload[] {
    return this.current.app.get(LeaveRecorder).leaves;
  }

  /**
   * Closes the app and starts a new one on the same port. The Motia clients retry 2 s after a close, and the
   * Node build throws an unhandled 'error' if that retry is refused, so the new app must be up well before.
   */
  async restart(): Promise<void> {
    const port = this.current.listener.address().port;
    await this.current.app.close();
    this.current = await RestartableStreams.boot(this.backend, port);
  }

  async close(): Promise<void> {
    await this.current.app.close();
    await this.backend.cleanup();
  }
}
