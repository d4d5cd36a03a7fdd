import { UPDATE_OP_DOC_URL, UPDATE_OP_LIMITS, UPDATE_OP_TYPES } from 'nest-realtime-streams-protocol';

/**
 * `stream::update` ops in Lua: a line-by-line port of update-ops.engine.ts over the LUA_JSON representation
 * (it needs that codec in scope). Same op order, checks, codes and messages, and the same in-place edits
 * of one working value, so a failed op leaves exactly what the engine leaves. Identity with the engine is
 * proven by redis-update-ops.spec.ts (the shared case table plus a differential property test).
 */
export const LUA_UPDATE_OPS = String.raw`
local PROTO = { ['__proto__'] = true, ['constructor'] = true, ['prototype'] = true }
local OP_TYPES = {}
for _, t in ipairs({ ${UPDATE_OP_TYPES.map((t) => `'${t}'`).join(', ')} }) do OP_TYPES[t] = true end
local OP_TYPE_LIST = '${UPDATE_OP_TYPES.join(', ')}'
local MAX_SEGMENTS = ${UPDATE_OP_LIMITS.maxPathSegments}
local MAX_SEGMENT_BYTES = ${UPDATE_OP_LIMITS.maxSegmentBytes}
local MAX_MERGE_KEYS = ${UPDATE_OP_LIMITS.maxMergeKeys}
local MAX_MERGE_DEPTH = ${UPDATE_OP_LIMITS.maxMergeDepth}
-- Already JSON text: every error ends with the same doc_url field, as the engine's does.
local DOC_URL_FIELD = ',"doc_url":' .. ${JSON.stringify(JSON.stringify(UPDATE_OP_DOC_URL))}

local function done(value) return { ok = true, value = value } end
local function fail(code, message) return { ok = false, code = code, message = message } end
local function is_object(v) return type(v) == 'table' and v.k == 'o' end
local function number(x)
  -- -0 is not JSON (it prints as 0).
  if x == 0 then x = 0 end
  return { k = 'n', v = x }
end
local function single(value) return { k = 'a', n = 1, value } end

local function label(segments)
  if #segments == 0 then return 'root' end
  if #segments == 1 then return json_quote(segments[1]) end
  local quoted = {}
  for i, s in ipairs(segments) do quoted[i] = json_quote(s) end
  return '[' .. table.concat(quoted, ',') .. ']'
end

local function not_object(t, segments, root)
  return fail(t .. '.target_not_object', 'cannot ' .. t .. ' at ' .. label(segments) .. ': the value is ' .. kind(root) .. ', expected object')
end

local function key_path(path)
  if type(path) ~= 'string' then return nil end
  if path == '' then return {} end
  return { path }
end

local function optional_path(path)
  if path == nil or path == NULL or path == '' then return {} end
  if type(path) == 'string' then return { path } end
  if kind(path) ~= 'array' then return nil end
  local segments = {}
  for i = 1, path.n do
    if type(path[i]) ~= 'string' then return nil end
    segments[i] = path[i]
  end
  return segments
end

local function validate_path(t, segments)
  if #segments > MAX_SEGMENTS then
    return fail(t .. '.path.too_deep', 'path ' .. label(segments) .. ' has ' .. #segments .. ' segments (max ' .. MAX_SEGMENTS .. ')')
  end
  for i, s in ipairs(segments) do
    if s == '' then
      return fail(t .. '.path.empty_segment', 'path ' .. label(segments) .. ' has an empty segment at position ' .. (i - 1))
    end
    if #s > MAX_SEGMENT_BYTES then
      return fail(t .. '.path.segment_too_long', 'path segment ' .. (i - 1) .. ' is ' .. #s .. ' bytes (max ' .. MAX_SEGMENT_BYTES .. ')')
    end
    if PROTO[s] then
      return fail(t .. '.path.proto_polluted', 'path ' .. label(segments) .. ' uses the forbidden segment "' .. s .. '"')
    end
  end
  return nil
end

local function walk_or_create(base, segments)
  local node = base
  for _, s in ipairs(segments) do
    local next_node = node.map[s]
    if not is_object(next_node) then
      next_node = new_object()
      write_key(node, s, next_node)
    end
    node = next_node
  end
  return node
end

local function assign(target, source)
  for _, key in ipairs(source.keys) do write_key(target, key, source.map[key]) end
end

local function deeper_than(v, limit)
  local k = kind(v)
  if k ~= 'array' and k ~= 'object' then return false end
  if limit == 0 then return true end
  if k == 'array' then
    for i = 1, v.n do
      if deeper_than(v[i], limit - 1) then return true end
    end
  else
    for _, key in ipairs(v.keys) do
      if deeper_than(v.map[key], limit - 1) then return true end
    end
  end
  return false
end

local function validate_merge_value(value)
  if not is_object(value) then
    return fail('merge.value.not_an_object', 'merge value must be a JSON object, got ' .. kind(value))
  end
  if #value.keys > MAX_MERGE_KEYS then
    return fail('merge.value.too_many_keys', 'merge value has ' .. #value.keys .. ' top-level keys (max ' .. MAX_MERGE_KEYS .. ')')
  end
  for _, key in ipairs(value.keys) do
    if PROTO[key] then return fail('merge.value.proto_polluted', 'merge value uses the forbidden key "' .. key .. '"') end
  end
  if deeper_than(value, MAX_MERGE_DEPTH) then
    return fail('merge.value.too_deep', 'merge value is nested more than ' .. MAX_MERGE_DEPTH .. ' levels deep')
  end
  return nil
end

local function apply_set(root, segments, value)
  if #segments == 0 then return done(value) end
  if not is_object(root) then return not_object('set', segments, root) end
  write_key(root, segments[1], value)
  return done(root)
end

local function apply_merge(root, segments, value)
  local invalid = validate_merge_value(value)
  if invalid then return invalid end
  if #segments == 0 then
    -- A root merge on a non-object root is a silent no-op.
    if is_object(root) then assign(root, value) end
    return done(root)
  end
  local base = root
  if not is_object(base) then base = new_object() end
  assign(walk_or_create(base, segments), value)
  return done(base)
end

local function adjust(t, segments, target, delta)
  if kind(target) ~= 'number' then
    return fail(t .. '.not_number', 'expected a number at ' .. label(segments) .. ', got ' .. kind(target))
  end
  local result = target.v + delta
  if result ~= result or result == math.huge or result == -math.huge then
    return fail(t .. '.not_number', 'result at ' .. label(segments) .. ' is not a finite number')
  end
  return done(number(result))
end

local function apply_numeric(t, root, missing, segments, delta)
  if #segments == 0 then
    if missing then return done(number(delta)) end
    return adjust(t, segments, root, delta)
  end
  if not is_object(root) then return not_object(t, segments, root) end
  local key = segments[1]
  local step
  if root.map[key] ~= nil then
    step = adjust(t, segments, root.map[key], delta)
  else
    step = done(number(delta))
  end
  if not step.ok then return step end
  write_key(root, key, step.value)
  return done(root)
end

local function initial_append(value)
  if type(value) == 'string' then return value end
  return single(value)
end

local function append_to(target, value, segments)
  local k = kind(target)
  if k == 'array' then
    target.n = target.n + 1
    target[target.n] = value
    return done(target)
  end
  if k == 'string' then
    if type(value) == 'string' then return done(target .. value) end
    return fail('append.type_mismatch', 'cannot append ' .. kind(value) .. ' to the string at ' .. label(segments))
  end
  if k == 'null' then return done(initial_append(value)) end
  return fail('append.type_mismatch', 'cannot append at ' .. label(segments) .. ': target is ' .. k .. ', expected array, string or null')
end

local function apply_append(root, missing, segments, value)
  if #segments == 0 then
    if missing then return append_to(NULL, value, segments) end
    return append_to(root, value, segments)
  end
  if not is_object(root) then return not_object('append', segments, root) end
  local leaf = segments[#segments]
  local parent_path = {}
  for i = 1, #segments - 1 do parent_path[i] = segments[i] end
  local parent = walk_or_create(root, parent_path)
  if parent.map[leaf] == nil then
    -- A missing single key is initialised like null; a missing nested leaf always becomes an array.
    if #segments == 1 then
      write_key(parent, leaf, initial_append(value))
    else
      write_key(parent, leaf, single(value))
    end
    return done(root)
  end
  local step = append_to(parent.map[leaf], value, segments)
  if not step.ok then return step end
  write_key(parent, leaf, step.value)
  return done(root)
end

local function apply_remove(root, segments)
  if #segments == 0 then return done(NULL) end
  if not is_object(root) then return not_object('remove', segments, root) end
  if root.map[segments[1]] ~= nil then delete_key(root, segments[1]) end
  return done(root)
end

local function run_op(root, missing, op)
  if not is_object(op) then return fail('op.invalid', 'op must be a JSON object') end
  local t = op.map['type']
  if type(t) ~= 'string' or not OP_TYPES[t] then return fail('op.invalid', 'op type must be one of ' .. OP_TYPE_LIST) end
  local nested = t == 'merge' or t == 'append'
  local segments
  if nested then segments = optional_path(op.map['path']) else segments = key_path(op.map['path']) end
  if segments == nil then
    return fail('op.invalid', t .. ' path must be a string' .. (nested and ' or an array of strings' or ''))
  end
  local value = op.map['value']
  if nested and value == nil then return fail('op.invalid', t .. ' needs a value') end
  local by = op.map['by']
  if (t == 'increment' or t == 'decrement') and kind(by) ~= 'number' then
    return fail('op.invalid', t .. ' needs a finite number "by"')
  end
  local path_error = validate_path(t, segments)
  if path_error then return path_error end
  if t == 'set' then
    if value == nil then value = NULL end
    return apply_set(root, segments, value)
  elseif t == 'merge' then
    return apply_merge(root, segments, value)
  elseif t == 'increment' then
    return apply_numeric(t, root, missing, segments, by.v)
  elseif t == 'decrement' then
    return apply_numeric(t, root, missing, segments, -by.v)
  elseif t == 'append' then
    return apply_append(root, missing, segments, value)
  end
  return apply_remove(root, segments)
end

-- current: the decoded stored value, or nil when the item is missing. ops: a decoded array.
-- Returns the new value and the errors as a JSON array text.
local function apply_update_ops(current, ops)
  local missing = current == nil
  local root = current
  if missing then root = new_object() end
  local errors = {}
  for i = 1, ops.n do
    local step = run_op(root, missing, ops[i])
    if step.ok then
      root = step.value
      missing = false
    else
      errors[#errors + 1] = '{"op_index":' .. (i - 1) .. ',"code":' .. json_quote(step.code) .. ',"message":' .. json_quote(step.message) .. DOC_URL_FIELD .. '}'
    end
  end
  return root, '[' .. table.concat(errors, ',') .. ']'
end
`;
