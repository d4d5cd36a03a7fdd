import { Injectable } from '@nestjs/common';
import { OnStreamJoin, type StreamAuthFunction, type StreamJoinResult, type StreamsModuleOptions, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from './streams-app';
import { type Frame, TestClient } from './ws-client';

/** `?user=<name>` is the user; no user, no connection. */
export const userFromQuery: StreamAuthFunction = ({ query_params }) => {
  const user = query_params.user?.[0];
  return user ? { context: { user } } : false;
};

/** Each user is one presence member of the rooms they join (key = user), with their name as server data. */
@Injectable()
export class RoomPresence {
  @OnStreamJoin({ stream_name: 'room' })
  join(payload: StreamSubscriptionPayload<{ user: string }>): StreamJoinResult {
    const user = payload.context!.user;
    return { presence: { key: user, data: { name: user } } };
  }
}

export function startPresenceApp(options: StreamsModuleOptions = {}): Promise<StreamsTestApp> {
  return startStreamsApp({ authFunction: userFromQuery, ...options }, { providers: [RoomPresence] });
}

/** A user's socket in a room with presence: resolves with the client and its sync frame. */
export async function enterRoom(url: string, user: string, group: string, clients: TestClient[], presence: true | 'count' = true): Promise<{ client: TestClient; sync: Frame }> {
  const client = await TestClient.connect(`${url}/?user=${user}`);
  clients.push(client);
  client.send({ type: 'join', data: { subscriptionId: 'p', streamName: 'room', groupId: group, presence } });
  return { client, sync: await client.next((f) => f.event?.type === 'sync') };
}

/** Matches a presence frame of one event type (and member key). */
export const presenceFrame = (type: string, key?: string) => (f: Frame) =>
  f.type === 'presence' && f.event?.type === type && (key === undefined || f.event.member?.key === key);

/** Member keys of a sync's presence list, sorted. */
export const listedKeys = (sync: Frame) => ((sync.event?.presence as { members?: { key: string }[] } | undefined)?.members ?? []).map((m) => m.key).sort();
