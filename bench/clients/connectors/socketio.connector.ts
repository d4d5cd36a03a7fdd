import { io } from 'socket.io-client';
import { BENCH_EVENT, BENCH_GROUP, type BenchPayload } from '../../wire';
import type { Connector } from './connector';

/** Socket.io over the WebSocket transport only; the server acknowledges the room join. */
export const connectSocketIo: Connector = (url, onStamp) =>
  new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('connect_error', reject);
    socket.on(BENCH_EVENT, (payload: BenchPayload) => onStamp(payload.bt));
    socket.once('connect', () => socket.emit('join', BENCH_GROUP, () => resolve(() => socket.disconnect())));
  });
