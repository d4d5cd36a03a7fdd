import WebSocket from 'ws';
import { BENCH_GROUP, BENCH_STREAM } from '../../wire';
import { readStamp } from '../stamp';
import type { Connector } from './connector';
import { WS_CLIENT_OPTIONS } from './ws-options';

const JOIN = JSON.stringify({ type: 'join', data: { subscriptionId: 'b', streamName: BENCH_STREAM, groupId: BENCH_GROUP } });

/** This module, multiplexed endpoint: join the bench group; resolves with the socket once its `sync` frame came (live from then on). */
export const openStreams = (url: string, onStamp: (stamp: number) => void): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/`, WS_CLIENT_OPTIONS);
    let synced = false;
    socket.on('error', reject);
    socket.once('close', (code) => synced || reject(new Error(`closed with ${code} before sync`)));
    socket.once('open', () => socket.send(JOIN));
    socket.on('message', (data: Buffer) => {
      const stamp = readStamp(data);
      if (stamp >= 0) return onStamp(stamp);
      if (synced) return;
      const frame = JSON.parse(data.toString()) as { event?: { type?: string } };
      if (frame.event?.type !== 'sync') return reject(new Error(`expected the sync frame, got ${data.toString().slice(0, 200)}`));
      synced = true;
      resolve(socket);
    });
  });

export const connectStreams: Connector = async (url, onStamp) => {
  const socket = await openStreams(url, onStamp);
  return () => socket.terminate();
};
