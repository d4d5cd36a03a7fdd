import WebSocket from 'ws';

export interface Frame {
  type: string;
  timestamp?: number;
  streamName?: string;
  groupId?: string;
  id?: string | null;
  event?: { type: string; data?: unknown; event?: { type: string; data: unknown }; continuityLost?: boolean; presence?: unknown; member?: { key: string; state?: unknown } };
  position?: string;
  /** `resumed` frames. */
  subscriptionId?: string;
  replayed?: number;
  error?: { code: string; message: string; field?: string; subscriptionId?: string };
  /** `presence` frames: the group's member count. */
  count?: number;
  /** `auth` frames: when the socket's authentication ends; `refreshed` after a refresh. */
  expiresAt?: number | null;
  refreshed?: boolean;
  /** `delta` frames (SPEC §9): the item's change and the versions it goes between, seqs of the subscription's epoch. */
  base?: number;
  version?: number;
  ops?: unknown[];
  patch?: unknown[];
}

/** A real `ws` client for end-to-end tests: collects every frame and waits for the ones a test expects. */
export class TestClient {
  readonly frames: Frame[] = [];
  private cursor = 0;
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static connect(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols, options);
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  /** Resolves with the HTTP status of a refused upgrade. */
  static refusal(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols, options);
      socket.once('open', () => reject(new Error('upgrade was accepted')));
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('error', () => undefined);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  join(subscriptionId: string, streamName: string, groupId: string, id?: string): void {
    this.send({ type: 'join', data: { subscriptionId, streamName, groupId, ...(id === undefined ? {} : { id }) } });
  }

  leave(subscriptionId: string, streamName: string, groupId: string, id?: string): void {
    this.send({ type: 'leave', data: { subscriptionId, streamName, groupId, ...(id === undefined ? {} : { id }) } });
  }

  /** The next frame not yet taken that matches, waiting for it. */
  async next(match: (f: Frame) => boolean = () => true, ms = 3000): Promise<Frame> {
    const end = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++];
        if (match(frame)) return frame;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for a frame`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` frames have arrived in all (taken or not). */
  async waitForCount(count: number, ms = 5000): Promise<Frame[]> {
    const end = Date.now() + ms;
    while (this.frames.length < count) {
      if (Date.now() > end) throw new Error(`expected ${count} frames, got ${this.frames.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames;
  }

  /** Resolves once the socket is closed, with its close code. */
  async closedWith(ms = 5000): Promise<{ code: number; reason: string }> {
    const end = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > end) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closed;
  }

  /** Nothing more arrives within `ms` (for asserting absence; used sparingly). */
  async quiet(ms = 150): Promise<Frame[]> {
    const before = this.frames.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.slice(before);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
