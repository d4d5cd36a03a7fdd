/**
 * A child process holding many WebSocket clients (so the test process and the server stay under their own
 * open-file limits). Driven over IPC: `{ url, count }` → opens `count` sockets to `url`, reports
 * `{ opened }`, then `{ syncs, creates }` counts on every `{ report: true }` until `{ close: true }`.
 */
import WebSocket from 'ws';

interface Start {
  url: string;
  count: number;
}

const counts = { syncs: 0, creates: 0 };
const sockets: WebSocket[] = [];

function open(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('message', (data) => {
      const type = (JSON.parse(data.toString()) as { event?: { type: string } }).event?.type;
      if (type === 'sync') counts.syncs++;
      else if (type === 'create') counts.creates++;
    });
    socket.once('open', () => resolve());
    socket.once('error', reject);
    sockets.push(socket);
  });
}

process.on('message', async (message: Start | { report: true } | { close: true }) => {
  if ('url' in message) {
    // Small batches: a burst of thousands of SYNs would overflow the listener's accept queue.
    for (let i = 0; i < message.count; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, message.count - i) }, () => open(message.url)));
    }
    process.send?.({ opened: sockets.length });
  } else if ('report' in message) {
    process.send?.({ ...counts });
  } else {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
// Never outlive the test that started it.
process.on('disconnect', () => process.exit(0));
