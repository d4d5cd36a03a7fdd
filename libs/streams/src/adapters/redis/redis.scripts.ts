import { MAX_CLOCK_LEAD_MS } from '../history/group-clock';
import { UNVERSIONED } from '../item-write.condition';
import { LUA_JSON } from './redis-json.lua';
import { LUA_UPDATE_OPS } from './redis-update-ops.lua';

/**
 * The adapter's Lua scripts. Each runs atomically on the server that owns the group's slot, so the read,
 * the write, the group's position and the publish of one event are one indivisible step, in one order for
 * every instance. All take KEYS = [items, meta, log, hold, versions, idempotency, idempotency expiry, expiries]
 * (`hold`: this instance's write held by the clock, see WRITE_GATE; `versions`: each item's version, beside
 * `items`; the idempotency records, see LUA_IDEMPOTENCY; `expiries`: item TTLs, see LUA_ITEM_EXPIRY) and a
 * common ARGV head:
 *
 *   ARGV[1] run id of the server as the caller knows it (empty on a Cluster: the script reads the run id of
 *   the master it runs on, since a slot may move between masters), ARGV[2] channel, ARGV[3] the frame's name fragment
 *   `,"streamName":..,"groupId":..,"id":..` (JSON-encoded in TypeScript, so any Unicode is escaped exactly
 *   as JSON.stringify does), ARGV[4] history size, ARGV[5] history ttl in ms, ARGV[6] the newest timestamp
 *   the calling instance delivered for the group (0 if none), ARGV[7] the write's ticket and ARGV[8] the
 *   oldest ticket of the instance's writes to the group not answered yet (0 for reads), ARGV[9] the write's
 *   idempotency key, JSON-encoded ('' for none), ARGV[10] its call's fingerprint, ARGV[11] how long records
 *   are kept (ms), ARGV[12] records kept per group; script arguments follow.
 *
 * An event message (published, and kept in the log) is `<seq>|<history epoch>|<frame JSON>`, plus
 * `\n<key JSON>` when the write had an idempotency key and `\n<change JSON>` (`{"base":..,"ops":[..]}` or
 * `{"base":..,"patch":[..]}`) when an update changed an existing item with every op applied or a set carried a
 * patch from the item's current version (what delta subscriptions receive, SPEC §9); the frame is
 * concatenated around value JSON that is never re-encoded.
 */

/** The error a script answers instead of stamping while its group's clock is at the lead cap. */
export const CLOCK_WAIT_REPLY = 'STREAMS_CLOCK_WAIT';

/** Records a keyed write drops at most (expired ones, then the group's oldest past its bound). */
const IDEMPOTENCY_TRIM = 8;

/** How long a held write keeps later writes of its instance waiting if that instance is never heard of again. */
const HOLD_TTL_MS = 10 * MAX_CLOCK_LEAD_MS;

/**
 * Positions. `seq` +1 per event; the timestamp is max(now_ms, last + 1), and never more than
 * MAX_CLOCK_LEAD_MS ahead of the latest Redis clock reading the group has seen (`seen`): a script that
 * would go past it changes nothing and answers CLOCK_WAIT_REPLY with the ms to wait (the adapter retries).
 * `last` is also at least ARGV[6], so a clock lost with its meta (a Redis restart within a second of a
 * burst) never restarts below what the calling instance's clients already saw.
 *
 * Reads (snapshot, position, resume) take a timestamp after every event so far and before every later one;
 * all reads between two writes share one (`rd` = 1 while `ts` is such a reserved tick): reads move the
 * clock by at most one tick per write, never one per read, and one that shares never waits (see GroupClock).
 *
 * When the meta was last written under another server run id (or is missing: new group, expired, restart
 * without persistence, failover, restore) the group's history starts over: a new history epoch, an empty
 * log, and `seq` first jumps to at least now_ms * 1000, so it never falls back below what live subscribers
 * have already seen.
 *
 * The meta of a group without items expires (history ttl, and at least 2 ms past its last timestamp), so
 * nothing a client can make the server create outlives it; a group holding items keeps it. A timestamp
 * stamped after the expiry is the Redis clock, already past every one the old meta gave.
 */
const LUA_POSITION = String.raw`
local function int(n) return string.format('%.0f', n) end

local RUN = ARGV[1]
if RUN == '' then RUN = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)') end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local NOW = now_ms()
local FLOOR = tonumber(ARGV[6])
local META = redis.call('HMGET', KEYS[2], 'seq', 'ts', 'run', 'hist', 'seen', 'rd')
local LAST = math.max(tonumber(META[2]) or 0, FLOOR)
local SHARED = META[6] == '1' and META[3] == RUN and LAST == tonumber(META[2])

-- The ms to wait before the group may take a new tick within its lead cap; 0 when it may take one now.
local function clock_wait()
  local seen = math.max(NOW, tonumber(META[5]) or 0)
  return math.max(0, LAST + 1 - seen - ${MAX_CLOCK_LEAD_MS})
end

local function keep(ts)
  if redis.call('EXISTS', KEYS[1]) == 1 then
    redis.call('PERSIST', KEYS[2])
  else
    redis.call('PEXPIRE', KEYS[2], math.max(tonumber(ARGV[5]), ts - NOW + 2))
  end
end

-- The position of an event (step 1) or of a read (step 0: the reserved tick when there is one).
local function advance(step)
  local seq = tonumber(META[1]) or 0
  local hist = META[4]
  if step == 0 and SHARED then
    keep(LAST)
    return seq, LAST, hist
  end
  if META[3] ~= RUN then
    if seq < NOW * 1000 then seq = NOW * 1000 end
    hist = string.sub(RUN, 1, 8) .. string.format('%x', seq)
    redis.call('DEL', KEYS[3])
  end
  seq = seq + step
  local ts = math.max(NOW, LAST + 1)
  local seen = math.max(NOW, tonumber(META[5]) or 0)
  redis.call('HSET', KEYS[2], 'seq', int(seq), 'ts', int(ts), 'run', RUN, 'hist', hist, 'seen', int(seen), 'rd', step == 0 and '1' or '0')
  keep(ts)
  return seq, ts, hist
end

-- Publishes and logs an event; returns its message and its position (the version of the item it writes).
-- delta: the item's change as JSON (an update's ops, see UPDATE_SCRIPT) or nil.
local function emit(event, delta)
  local seq, ts, hist = advance(1)
  local frame = '{"type":"stream","timestamp":' .. int(ts) .. ARGV[3] .. ',"event":' .. event .. '}'
  local message = int(seq) .. '|' .. hist .. '|' .. frame
  if ARGV[9] ~= '' then message = message .. '\n' .. ARGV[9] end
  if delta then message = message .. '\n' .. delta end
  redis.call('SPUBLISH', ARGV[2], message)
  local size = tonumber(ARGV[4])
  if size > 0 then
    redis.call('RPUSH', KEYS[3], message)
    redis.call('LTRIM', KEYS[3], -size, -1)
    redis.call('PEXPIRE', KEYS[3], ARGV[5])
  end
  return message, hist .. ':' .. int(seq)
end

local function change(kind, data)
  return '{"type":"' .. kind .. '","data":' .. data .. '}'
end
`;

/**
 * First statement of every script that writes an event: nothing is read or written while the clock is at
 * its cap. The writes of one instance to one group also stay in call order while they wait: the first the
 * clock refuses is held (its ticket in KEYS[4]) and every later one of the instance is refused too until
 * it has passed, so writes already on their way cannot overtake it. A held write the instance gave up
 * (its ticket below the oldest one it still waits for) holds nothing.
 */
const WRITE_GATE = String.raw`
local ticket, oldest = tonumber(ARGV[7]), tonumber(ARGV[8])
local held = redis.call('GET', KEYS[4])
local hold = held and tonumber(held)
if hold and hold < oldest then hold = nil end
if hold and ticket > hold then return redis.error_reply('${CLOCK_WAIT_REPLY} 0') end
local wait = clock_wait()
if wait > 0 then
  if not hold or ticket <= hold then redis.call('SET', KEYS[4], ticket, 'PX', ${HOLD_TTL_MS}) end
  return redis.error_reply('${CLOCK_WAIT_REPLY} ' .. wait)
end
if held and (not hold or hold == ticket) then redis.call('DEL', KEYS[4]) end
`;

/**
 * Conditional writes (SPEC §8): a write's condition is a kind (`version`, `absent`, `exists`, or '' for
 * none) and, for `version`, the version wanted ('' when the item must be missing). Checked after the gate,
 * before anything is written, in the same script as the write: a refused write answers
 * `{ false, code, current version | false }` and changes nothing.
 */
const LUA_CONDITION = String.raw`
-- The item's version, false when it is missing; an item stored by an earlier release has none: ${UNVERSIONED}.
local function item_version(item, old)
  if not old then return false end
  return redis.call('HGET', KEYS[5], item) or '${UNVERSIONED}'
end

-- The refusal reply when the condition does not hold for the item (its current value old), else nil.
local function refusal(kind, wanted, item, old)
  if kind == '' then return nil end
  local current = item_version(item, old)
  local code = nil
  if kind == 'version' then
    if (current or '') ~= wanted then code = 'version_conflict' end
  elseif kind == 'absent' then
    if current then code = 'exists' end
  elseif not current then
    code = 'missing'
  end
  if code then return { false, code, current } end
  return nil
end
`;

/**
 * Idempotency keys (SPEC §8). A group's records are a HASH (key JSON → `<fingerprint>|<result JSON>`) and a
 * ZSET (key JSON → expiry ms), in the group's slot. A keyed write looks its key up after the gate, before its
 * condition: a live record answers `{ 'replay', result JSON }` (or `{ false, 'idempotency_key_reused' }` when
 * the fingerprint differs) and the script changes nothing else. A write that ran records its result: up to
 * IDEMPOTENCY_TRIM expired records and the group's oldest past ARGV[12] are dropped first (bounded work per
 * write), and both keys expire with the newest record, so a group nobody writes with keys frees them.
 */
const LUA_IDEMPOTENCY = String.raw`
local IDEM = ARGV[9]

-- The reply for a keyed write the group has a live record of, else nil (the write runs). A new key costs one HGET.
local function recorded()
  if IDEM == '' then return nil end
  local entry = redis.call('HGET', KEYS[6], IDEM)
  if not entry then return nil end
  local expiry = tonumber(redis.call('ZSCORE', KEYS[7], IDEM))
  if not expiry or expiry <= NOW then return nil end
  local bar = string.find(entry, '|', 1, true)
  if string.sub(entry, 1, bar - 1) ~= ARGV[10] then return { false, 'idempotency_key_reused', false } end
  return { 'replay', string.sub(entry, bar + 1) }
end

local function drop(keys)
  if #keys == 0 then return end
  redis.call('ZREM', KEYS[7], unpack(keys))
  redis.call('HDEL', KEYS[6], unpack(keys))
end

-- Records the result of the keyed write that just ran (nothing without a key). HSET and ZADD replace an
-- expired record of the same key.
local function record(result)
  if IDEM == '' then return end
  drop(redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', int(NOW), 'LIMIT', 0, ${IDEMPOTENCY_TRIM}))
  local over = redis.call('ZCARD', KEYS[7]) + 1 - tonumber(ARGV[12])
  if over > 0 then
    local oldest = redis.call('ZRANGE', KEYS[7], 0, math.min(over, ${IDEMPOTENCY_TRIM}) - 1)
    drop(oldest)
  end
  local ttl = tonumber(ARGV[11])
  redis.call('HSET', KEYS[6], IDEM, ARGV[10] .. '|' .. result)
  redis.call('ZADD', KEYS[7], int(NOW + ttl), IDEM)
  redis.call('PEXPIRE', KEYS[6], ttl)
  redis.call('PEXPIRE', KEYS[7], ttl)
end

-- A version as result JSON: '<epoch>:<seq>' holds no character JSON escapes; nil is null.
local function version_json(version)
  if version then return '"' .. version .. '"' end
  return 'null'
end
`;

/**
 * Item TTLs (SPEC §8), on the Redis clock: `expiries` is a ZSET item → expiry ms, in the group's slot, holding
 * only items written with a TTL. Every write sets the item's expiry again (none without a TTL). An expired
 * item not deleted yet reads as missing (LUA_LIVE_READS) and a write treats it as missing too.
 */
const LUA_ITEM_EXPIRY = String.raw`
-- The item's stored value, false when it is missing or expired.
local function live(item)
  local value = redis.call('HGET', KEYS[1], item)
  if not value then return false end
  local at = tonumber(redis.call('ZSCORE', KEYS[8], item))
  if at and at <= NOW then return false end
  return value
end

-- Sets the item's expiry after a write; ttl '' for none. Returns the expiry, or false.
local function expire_after(item, ttl)
  if ttl == '' then
    redis.call('ZREM', KEYS[8], item)
    return false
  end
  local at = NOW + tonumber(ttl)
  redis.call('ZADD', KEYS[8], int(at), item)
  return int(at)
end
`;

/** First statement of every read that takes a timestamp: it waits only when it cannot share the reserved tick. */
const READ_GATE = String.raw`
if not SHARED then
  local wait = clock_wait()
  if wait > 0 then return redis.error_reply('${CLOCK_WAIT_REPLY} ' .. wait) end
end
`;

/** A group's values without its expired items; a group with no item due costs one ZRANGE more than HVALS. */
const LUA_LIVE_VALUES = String.raw`
-- The live items' ids and values, in the hash's order (one HGETALL).
local function live_entries(items, expiries, now)
  local first = redis.call('ZRANGE', expiries, 0, 0, 'WITHSCORES')
  local due = {}
  if first[2] and tonumber(first[2]) <= now then
    for _, item in ipairs(redis.call('ZRANGEBYSCORE', expiries, '-inf', string.format('%.0f', now))) do due[item] = true end
  end
  local all, ids, values = redis.call('HGETALL', items), {}, {}
  for i = 1, #all, 2 do
    if not due[all[i]] then
      ids[#ids + 1] = all[i]
      values[#values + 1] = all[i + 1]
    end
  end
  return ids, values
end

local function live_values(items, expiries, now)
  local first = redis.call('ZRANGE', expiries, 0, 0, 'WITHSCORES')
  if not first[2] or tonumber(first[2]) > now then return redis.call('HVALS', items) end
  local due = {}
  for _, item in ipairs(redis.call('ZRANGEBYSCORE', expiries, '-inf', string.format('%.0f', now))) do due[item] = true end
  local all, values = redis.call('HGETALL', items), {}
  for i = 1, #all, 2 do
    if not due[all[i]] then values[#values + 1] = all[i + 1] end
  end
  return values
end
`;

/**
 * Reads outside a group's position (`get`, `getVersioned`, `list`), which hide expired items on the Redis
 * clock: KEYS = [items, versions, expiries], ARGV[1] mode (`item`, `versioned`, `list`), ARGV[2] item →
 * the value | nil, [value | nil, version | nil], or the values.
 */
export const READ_SCRIPT: RedisScript = {
  name: 'streamsRead',
  lua: [
    LUA_LIVE_VALUES,
    String.raw`
local t = redis.call('TIME')
local NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] == 'list' then return live_values(KEYS[1], KEYS[3], NOW) end
local value = redis.call('HGET', KEYS[1], ARGV[2])
local at = value and tonumber(redis.call('ZSCORE', KEYS[3], ARGV[2]))
if at and at <= NOW then value = false end
if ARGV[1] == 'item' then return value end
if not value then return { false, false } end
return { value, redis.call('HGET', KEYS[2], ARGV[2]) }
`,
  ].join('\n'),
};

export interface RedisScript {
  name: string;
  lua: string;
}

const script = (name: string, ...parts: string[]): RedisScript => ({ name, lua: parts.join('\n') });

/**
 * ARGV[13] item, ARGV[14] value JSON, ARGV[15..16] condition, ARGV[17] ttl ms ('' none), ARGV[18] the version a
 * patch was computed from ('' none) and ARGV[19] the patch JSON (SPEC §9: kept with the event only if the item
 * is still at that version) → [message, old | nil, groupCreated, expiry | nil], a replay or a refusal.
 */
export const SET_SCRIPT = script(
  'streamsSet',
  LUA_POSITION,
  LUA_CONDITION,
  LUA_IDEMPOTENCY,
  LUA_ITEM_EXPIRY,
  WRITE_GATE,
  String.raw`
local replay = recorded()
if replay then return replay end
local old = live(ARGV[13])
local refused = refusal(ARGV[15], ARGV[16], ARGV[13], old)
if refused then return refused end
local created = redis.call('EXISTS', KEYS[1]) == 0
local delta = nil
if old and ARGV[18] ~= '' and redis.call('HGET', KEYS[5], ARGV[13]) == ARGV[18] then
  delta = '{"base":' .. version_json(ARGV[18]) .. ',"patch":' .. ARGV[19] .. '}'
end
redis.call('HSET', KEYS[1], ARGV[13], ARGV[14])
local message, version = emit(change(old and 'update' or 'create', ARGV[14]), delta)
redis.call('HSET', KEYS[5], ARGV[13], version)
local expiry = expire_after(ARGV[13], ARGV[17])
record('{"old_value":' .. (old or 'null') .. ',"new_value":' .. ARGV[14] .. ',"version":' .. version_json(version) .. '}')
return { message, old, created and 1 or 0, expiry }
`,
);

/** ARGV[13] item, ARGV[14] ops JSON, ARGV[15..16] condition, ARGV[17] ttl ms ('' none) → [message, old | nil, groupCreated, new JSON, errors JSON, expiry | nil], a replay or a refusal. */
export const UPDATE_SCRIPT = script(
  'streamsUpdate',
  LUA_POSITION,
  LUA_CONDITION,
  LUA_IDEMPOTENCY,
  LUA_ITEM_EXPIRY,
  LUA_JSON,
  LUA_UPDATE_OPS,
  WRITE_GATE,
  String.raw`
local replay = recorded()
if replay then return replay end
local old = live(ARGV[13])
local refused = refusal(ARGV[15], ARGV[16], ARGV[13], old)
if refused then return refused end
local created = redis.call('EXISTS', KEYS[1]) == 0
local current = nil
local base = false
if old then
  current = json_decode(old)
  base = redis.call('HGET', KEYS[5], ARGV[13])
end
local value, errors = apply_update_ops(current, json_decode(ARGV[14]))
local new = json_encode(value)
redis.call('HSET', KEYS[1], ARGV[13], new)
-- The change goes with the event when it is exactly the ops sent (none skipped) and the item had a version.
local delta = nil
if base and errors == '[]' then delta = '{"base":' .. version_json(base) .. ',"ops":' .. ARGV[14] .. '}' end
local message, version = emit(change(old and 'update' or 'create', new), delta)
redis.call('HSET', KEYS[5], ARGV[13], version)
local expiry = expire_after(ARGV[13], ARGV[17])
record('{"old_value":' .. (old or 'null') .. ',"new_value":' .. new .. ',"errors":' .. errors .. ',"version":' .. version_json(version) .. '}')
return { message, old, created and 1 or 0, new, errors, expiry }
`,
);

/** ARGV[13] item, ARGV[14..15] condition → [nil] when missing, a replay, a refusal, else [message, old, groupEmptied]. */
export const DELETE_SCRIPT = script(
  'streamsDelete',
  LUA_POSITION,
  LUA_CONDITION,
  LUA_IDEMPOTENCY,
  LUA_ITEM_EXPIRY,
  WRITE_GATE,
  String.raw`
local replay = recorded()
if replay then return replay end
local old = live(ARGV[13])
local refused = refusal(ARGV[14], ARGV[15], ARGV[13], old)
if refused then return refused end
if not old then
  record('{"old_value":null,"version":null}')
  return { false }
end
redis.call('HDEL', KEYS[1], ARGV[13])
redis.call('HDEL', KEYS[5], ARGV[13])
redis.call('ZREM', KEYS[8], ARGV[13])
local message, version = emit(change('delete', old))
record('{"old_value":' .. old .. ',"version":' .. version_json(version) .. '}')
return { message, old, redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0 }
`,
);

/**
 * The sweep's delete of one item (SPEC §8). ARGV[13] item → [nil, next expiry | nil] when the item does not
 * expire by now (rewritten, deleted, or swept by another instance: the check and the delete are one step, so
 * only one instance ever deletes it), else [message, old, groupEmptied, next expiry | nil]. `next` is the
 * group's earliest remaining expiry.
 */
export const EXPIRE_SCRIPT = script(
  'streamsExpire',
  LUA_POSITION,
  WRITE_GATE,
  String.raw`
local function next_expiry()
  local first = redis.call('ZRANGE', KEYS[8], 0, 0, 'WITHSCORES')
  return first[2] or false
end
local at = tonumber(redis.call('ZSCORE', KEYS[8], ARGV[13]))
local old = redis.call('HGET', KEYS[1], ARGV[13])
if not at or at > NOW or not old then
  if at and not old then redis.call('ZREM', KEYS[8], ARGV[13]) end
  return { false, next_expiry() }
end
redis.call('HDEL', KEYS[1], ARGV[13])
redis.call('HDEL', KEYS[5], ARGV[13])
redis.call('ZREM', KEYS[8], ARGV[13])
local message = emit(change('delete', old))
return { message, old, redis.call('EXISTS', KEYS[1]) == 0 and 1 or 0, next_expiry() }
`,
);

/** ARGV[13] event JSON → [message] or a replay. Stores nothing but the group's position and log (and a key's record). */
export const PUBLISH_SCRIPT = script(
  'streamsPublish',
  LUA_POSITION,
  LUA_IDEMPOTENCY,
  WRITE_GATE,
  String.raw`
local replay = recorded()
if replay then return replay end
local message = emit(ARGV[13])
record('{}')
return { message }
`,
);

/**
 * ARGV[13] mode (`group`, `item` or `none`), ARGV[14] item, ARGV[15] '1' to add versions → [seq, timestamp,
 * history epoch | nil, data JSON | nil, versions]: with ARGV[15], an item's version (nil when missing) or a
 * group's `[id, version, id, version, ...]` in the order of data (a version nil when the item has none).
 * Takes a read timestamp, so every later event of the group is stamped after it. A `none` read of a group
 * without meta (a rejected join) writes nothing: an expired meta's last timestamp is at least 2 ms old and
 * the next one is the clock (and past ARGV[6]), so `max(now - 1, ARGV[6])` lies between them.
 */
export const SNAPSHOT_SCRIPT = script(
  'streamsSnapshot',
  LUA_POSITION,
  LUA_ITEM_EXPIRY,
  LUA_LIVE_VALUES,
  String.raw`
if ARGV[13] == 'none' and not META[1] then return { 0, math.max(NOW - 1, FLOOR), false, false } end
`,
  READ_GATE,
  String.raw`
local seq, ts, hist = advance(0)
local data = false
local versions = false
if ARGV[13] == 'group' and ARGV[15] == '1' then
  local ids, values = live_entries(KEYS[1], KEYS[8], NOW)
  data = '[' .. table.concat(values, ',') .. ']'
  versions = {}
  for i, id in ipairs(ids) do
    versions[2 * i - 1] = id
    versions[2 * i] = redis.call('HGET', KEYS[5], id) or ''
  end
elseif ARGV[13] == 'group' then
  data = '[' .. table.concat(live_values(KEYS[1], KEYS[8], NOW), ',') .. ']'
elseif ARGV[13] == 'item' then
  data = live(ARGV[14])
  if data and ARGV[15] == '1' then versions = redis.call('HGET', KEYS[5], ARGV[14]) or '' end
end
return { seq, ts, hist, data, versions }
`,
);

/**
 * ARGV[13] history epoch, ARGV[14] seq, ARGV[15] versions to add (`group`, `item` or ''), ARGV[16] item → [nil]
 * when the events after seq are not all kept (unknown group, another history, trimmed by size or age), else
 * [seq, timestamp, history epoch, versions, message...], versions as SNAPSHOT_SCRIPT gives them (nil when not
 * asked). The log holds consecutive seqs ending at the group's seq, so the missed events are its last (seq - asked).
 */
export const HISTORY_SCRIPT = script(
  'streamsHistory',
  LUA_POSITION,
  LUA_ITEM_EXPIRY,
  LUA_LIVE_VALUES,
  READ_GATE,
  String.raw`
local asked = tonumber(ARGV[14])
if not META[1] or META[3] ~= RUN or META[4] ~= ARGV[13] or asked > tonumber(META[1]) then return { false } end
local seq, ts, hist = advance(0)
local count = seq - asked
local versions = false
if ARGV[15] == 'group' then
  local ids = live_entries(KEYS[1], KEYS[8], NOW)
  versions = {}
  for i, id in ipairs(ids) do
    versions[2 * i - 1] = id
    versions[2 * i] = redis.call('HGET', KEYS[5], id) or ''
  end
elseif ARGV[15] == 'item' then
  versions = (live(ARGV[16]) and redis.call('HGET', KEYS[5], ARGV[16])) or ''
end
local reply = { seq, ts, hist, versions }
if count == 0 then return reply end
if count > tonumber(ARGV[4]) then return { false } end
local entries = redis.call('LRANGE', KEYS[3], -count, -1)
if #entries < count then return { false } end
local first = tonumber(string.match(entries[1], '"timestamp":(%d+)'))
if first < ts - tonumber(ARGV[5]) then return { false } end
for i = 1, count do reply[4 + i] = entries[i] end
return reply
`,
);

/** The scripts taking the group's KEYS (READ_SCRIPT takes its own). */
export const REDIS_SCRIPTS: readonly RedisScript[] = [SET_SCRIPT, UPDATE_SCRIPT, DELETE_SCRIPT, EXPIRE_SCRIPT, PUBLISH_SCRIPT, SNAPSHOT_SCRIPT, HISTORY_SCRIPT];
