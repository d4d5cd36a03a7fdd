/**
 * The clients of the deltas CPU row, in their own process so the server's CPU is measured alone. Driven over IPC:
 * `{ url, count, deltas }` opens `count` sockets joined to group `cpu` (with `"deltas": true` or without) and
 * reports `{ synced }`; `{ report: true }` → `{ frames }` (stream and delta frames after the syncs); `{ close: true }` ends it.
 */
import WebSocket from 'ws';

let frames = 0;
let synced = 0;
const sockets: WebSocket[] = [];

function open(url: string, deltas: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let joined = false;
    socket.on('message', (data: Buffer) => {
      const head = data.toString('latin1', 0, 16);
      if (head !== '{"type":"stream"' && head !== '{"type":"delta",') return;
      if (joined) frames++;
      else {
        joined = true;
        synced++;
      }
    });
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'join', data: { subscriptionId: 's', streamName: 'bench', groupId: 'cpu', ...(deltas ? { deltas: true } : {}) } }));
      resolve();
    });
    socket.once('error', reject);
    sockets.push(socket);
  });
}

process.on('message', (message: { url: string; count: number; deltas: boolean } | { report: true } | { close: true }) => {
  void (async () => {
    if ('url' in message) {
      // Small batches: a burst of thousands of SYNs would overflow the listener's accept queue.
      for (let i = 0; i < message.count; i += 200) await Promise.all(Array.from({ length: Math.min(200, message.count - i) }, () => open(message.url, message.deltas)));
      while (synced < message.count) await new Promise((r) => setTimeout(r, 10));
      process.send?.({ synced });
    } else if ('report' in message) process.send?.({ frames });
    else {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  })();
});
