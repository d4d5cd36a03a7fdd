import { Injectable } from '@nestjs/common';
import { OnStreamJoin, type StreamAuthFunction, type StreamJoinResult, type StreamsModuleOptions, type StreamSubscriptionPayload } from 'nest-realtime-streams';
import { startStreamsApp, type StreamsTestApp } from './streams-app';
import { type Frame, TestClient } from './ws-client';

interface RoomUser {
  user: string;
  /** Joined with `&watch`: sees the room's presence without being a member of it. */
  watch: boolean;
}

/**
 * `?user=<name>` is the user; no user, no connection. With `&refreshable` the authentication expires in a
 * minute, so the socket may `refresh`: the token is the new user name.
 */
export const userFromQuery: StreamAuthFunction<RoomUser> = ({ query_params, refresh }) => {
  const user = refresh ? refresh.token : query_params.user?.[0];
  if (!user) return false;
  const context = { user, watch: query_params.watch !== undefined };
  return query_params.refreshable === undefined ? { context } : { context, expiresAt: Date.now() + 60_000 };
};

/** Each user is one presence member of the rooms they join (key = user, their name as server data); `revoked…` users may join none. */
@Injectable()
export class RoomPresence {
  @OnStreamJoin({ stream_name: 'room' })
  join(payload: StreamSubscriptionPayload<RoomUser>): StreamJoinResult {
    const { user, watch } = payload.context!;
    if (user.startsWith('revoked')) return { unauthorized: true };
    return watch ? {} : { presence: { key: user, data: { name: user } } };
  }
}

export function startPresenceApp(options: StreamsModuleOptions = {}): Promise<StreamsTestApp> {
  return startStreamsApp({ authFunction: userFromQuery as StreamAuthFunction, ...options }, { providers: [RoomPresence] });
}

/** Joins a room with presence on an open socket (`query` adds to the URL, e.g. `&watch`). */
export const joinRoom = (client: TestClient, group: string, presence: true | 'count' = true) =>
  client.send({ type: 'join', data: { subscriptionId: 'p', streamName: 'room', groupId: group, presence } });

/** A user's socket in a room with presence: resolves with the client and its sync frame. */
export async function enterRoom(url: string, user: string, group: string, clients: TestClient[], presence: true | 'count' = true, query = ''): Promise<{ client: TestClient; sync: Frame }> {
  const client = await TestClient.connect(`${url}/?user=${user}${query}`);
  clients.push(client);
  joinRoom(client, group, presence);
  return { client, sync: await client.next((f) => f.event?.type === 'sync') };
}

/** The member events a presence frame carries: one, or several in a `changes` frame (docs/reference/protocol.md). */
export const presenceEvents = (f: Frame): PresenceEvent[] =>
  f.type !== 'presence' ? [] : f.event?.type === 'changes' ? (f.event as unknown as { events: PresenceEvent[] }).events : [f.event as PresenceEvent];

type PresenceEvent = { type: string; member?: { key: string; state?: unknown } };

/** Matches a presence frame carrying an event of one type (and member key). */
export const presenceFrame = (type: string, key?: string) => (f: Frame) =>
  presenceEvents(f).some((e) => e.type === type && (key === undefined || e.member?.key === key));

/** Member keys of a sync's presence list, sorted. */
export const listedKeys = (sync: Frame) => ((sync.event?.presence as { members?: { key: string }[] } | undefined)?.members ?? []).map((m) => m.key).sort();

/** Collects `"<type> <key>"` of the presence events a client gets until every expected one has arrived. */
export async function heardEvents(client: TestClient, expected: string[], ms = 3000): Promise<string[]> {
  const heard: string[] = [];
  while (!expected.every((e) => heard.includes(e))) {
    const frame = await client.next((f) => f.type === 'presence', ms);
    heard.push(...presenceEvents(frame).map((e) => `${e.type} ${e.member?.key}`));
  }
  return heard;
}
