import WebSocket from 'ws';
import type { Frame } from './ws-client';

/**
 * A subscriber that outlives app restarts and instance changes: it reconnects (to `urls`, in turn) and rejoins
 * each group from the last position it saw, so every event reaches it once, in order, through the resume
 * (SPEC §7.4). It keeps each group's event frames; a re-sync instead of a resume is counted in `resyncs`
 * (then events may have been skipped, and tests expect none).
 */
export class ResumingWatcher {
  readonly events = new Map<string, Frame[]>();
  resyncs = 0;
  private readonly synced = new Set<string>();
  private readonly positions = new Map<string, string>();
  private socket: WebSocket | null = null;
  private stopped = false;
  private attempt = 0;

  constructor(
    private readonly urls: string[],
    private readonly stream: string,
    private readonly groups: string[],
  ) {
    for (const group of groups) this.events.set(group, []);
  }

  start(): void {
    const socket = new WebSocket(this.urls[this.attempt++ % this.urls.length]);
    this.socket = socket;
    socket.on('open', () => {
      for (const group of this.groups) {
        const position = this.positions.get(group);
        socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: group, streamName: this.stream, groupId: group, ...(position ? { position } : {}) } }));
      }
    });
    socket.on('message', (data) => this.frame(JSON.parse(data.toString()) as Frame));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!this.stopped) setTimeout(() => !this.stopped && this.start(), 50);
    });
  }

  /** The marks (`data.n`) of every event seen, per group. */
  marks(group: string): number[] {
    return this.events.get(group)!.map((f) => (f.event!.data as { n: number }).n);
  }

  /** Every group answered its first join: from here on a write reaches it as an event, not in a sync's data. */
  get joined(): boolean {
    return this.synced.size === this.groups.length;
  }

  get total(): number {
    return [...this.events.values()].reduce((sum, frames) => sum + frames.length, 0);
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }

  private frame(frame: Frame): void {
    const group = frame.groupId ?? frame.subscriptionId;
    if (group === undefined || !this.events.has(group)) return;
    if (frame.position) this.positions.set(group, frame.position);
    if (frame.type !== 'stream' || !frame.event) return;
    if (frame.event.type === 'sync') {
      this.synced.add(group);
      if (frame.event.continuityLost) this.resyncs++;
      return;
    }
    this.events.get(group)!.push(frame);
  }
}
