/**
 * Measures, in a fresh process (a Jest worker's heap carries what earlier test files left), the server heap per
 * socket for sockets whose authentication expires and for sockets whose does not, with browser-like headers.
 * Prints one JSON line `{ plain: number[], expiring: number[], headerBytes }` (bytes per socket, two rounds each).
 *
 *   node -r @swc-node/register test/support/expiring-heap.app.ts
 */
import type { StreamAuthFunction } from 'nest-realtime-streams';
import { settledHeap } from './heap';
import { startStreamsApp } from './streams-app';
import { TestClient } from './ws-client';

const N = 300;
const HEADERS = {
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  origin: 'https://app.example.com',
  'accept-language': 'en-GB,en;q=0.9,fr;q=0.8',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'cache-control': 'no-cache',
  pragma: 'no-cache',
  cookie: `session=${'c'.repeat(120)}; theme=dark`,
};

/** `?expires=1` makes the authentication expire in 10 minutes; otherwise it never does. */
const auth: StreamAuthFunction = ({ query_params }) => (query_params.expires ? { context: { user: 'ann' }, expiresAt: Date.now() + 600_000 } : { context: { user: 'ann' } });

async function main(): Promise<void> {
  const t = await startStreamsApp({ authFunction: auth });
  const heapPerSocket = async (query: string) => {
    const before = settledHeap();
    const opened = await Promise.all(Array.from({ length: N }, () => TestClient.connect(`${t.url}/?${query}`, { headers: HEADERS })));
    await new Promise((r) => setTimeout(r, 100));
    const perSocket = (settledHeap() - before) / N;
    for (const c of opened) c.close();
    await Promise.all(opened.map((c) => c.closedWith()));
    await new Promise((r) => setTimeout(r, 100));
    return perSocket;
  };
  await heapPerSocket('plain=1'); // warm-up: code and pools the first sockets allocate once
  const plain: number[] = [];
  const expiring: number[] = [];
  for (let round = 0; round < 2; round++) {
    plain.push(await heapPerSocket('plain=1'));
    expiring.push(await heapPerSocket('expires=1'));
  }
  await t.app.close();
  console.log(JSON.stringify({ plain, expiring, headerBytes: JSON.stringify(HEADERS).length }));
}

void main();
