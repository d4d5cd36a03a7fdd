/**
 * An order-preserving JSON codec in Lua 5.1 (Redis scripts), written so that decode → edit → encode gives
 * the bytes JavaScript's `JSON.stringify(JSON.parse(...))` would. cjson cannot: it loses key order and
 * rounds numbers.
 *
 * Representation: null = the NULL sentinel, booleans and strings as Lua values (strings as UTF-8 bytes; a
 * lone UTF-16 surrogate as its 3-byte WTF-8 form), numbers `{k='n', v=double, t=source text}`, arrays
 * `{k='a', n=length, ...}`, objects `{k='o', keys={...insertion order}, map={...}}`.
 *
 * JavaScript details reproduced: array-index keys ("0".."4294967294") print first in ascending order, then
 * the others in insertion order; a re-added key moves to the end; numbers an op did not touch keep their
 * text; new numbers print like Number#toString (shortest round-trip digits, `1e+21`, `1e-7`); strings
 * escape like JSON.stringify (lower-case `\u00xx`, lone surrogates as `\udxxx`, split surrogate halves
 * joined again after concatenation).
 */
export const LUA_JSON = String.raw`
local NULL = {}

local function new_object()
  return { k = 'o', keys = {}, map = {} }
end

local function write_key(obj, key, value)
  if obj.map[key] == nil then obj.keys[#obj.keys + 1] = key end
  obj.map[key] = value
end

local function delete_key(obj, key)
  obj.map[key] = nil
  for i = 1, #obj.keys do
    if obj.keys[i] == key then
      table.remove(obj.keys, i)
      return
    end
  end
end

local function kind(v)
  if v == NULL then return 'null' end
  local t = type(v)
  if t ~= 'table' then return t end
  if v.k == 'n' then return 'number' end
  if v.k == 'a' then return 'array' end
  return 'object'
end

local function utf8_char(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local json_decode
do
  local UNESCAPE = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = string.char(8), f = string.char(12),
    n = string.char(10), r = string.char(13), t = string.char(9) }

  json_decode = function(s)
    local pos = 1
    local parse

    local function skip()
      pos = string.find(s, '[^ \t\n\r]', pos) or (#s + 1)
    end

    local function parse_string()
      local parts, n, i = {}, 0, pos + 1
      while true do
        local j = string.find(s, '["\\]', i)
        if not j then error('json: unterminated string') end
        if j > i then
          n = n + 1
          parts[n] = string.sub(s, i, j - 1)
        end
        if string.byte(s, j) == 34 then
          pos = j + 1
          return table.concat(parts)
        end
        local e = string.sub(s, j + 1, j + 1)
        n = n + 1
        if e == 'u' then
          local cp = tonumber(string.sub(s, j + 2, j + 5), 16)
          i = j + 6
          if cp >= 0xD800 and cp <= 0xDBFF and string.sub(s, i, i + 1) == '\\u' then
            local low = tonumber(string.sub(s, i + 2, i + 5), 16)
            if low and low >= 0xDC00 and low <= 0xDFFF then
              cp = 0x10000 + (cp - 0xD800) * 0x400 + (low - 0xDC00)
              i = i + 6
            end
          end
          parts[n] = utf8_char(cp)
        else
          parts[n] = UNESCAPE[e] or error('json: bad escape')
          i = j + 2
        end
      end
    end

    parse = function()
      skip()
      local c = string.sub(s, pos, pos)
      if c == '{' then
        local obj = new_object()
        pos = pos + 1
        skip()
        if string.sub(s, pos, pos) == '}' then
          pos = pos + 1
          return obj
        end
        while true do
          skip()
          local key = parse_string()
          skip()
          pos = pos + 1
          -- JSON.parse: a repeated key keeps its first position and its last value.
          write_key(obj, key, parse())
          skip()
          c = string.sub(s, pos, pos)
          pos = pos + 1
          if c == '}' then return obj end
        end
      elseif c == '[' then
        local arr = { k = 'a', n = 0 }
        pos = pos + 1
        skip()
        if string.sub(s, pos, pos) == ']' then
          pos = pos + 1
          return arr
        end
        while true do
          arr.n = arr.n + 1
          arr[arr.n] = parse()
          skip()
          c = string.sub(s, pos, pos)
          pos = pos + 1
          if c == ']' then return arr end
        end
      elseif c == '"' then
        return parse_string()
      elseif c == 't' then
        pos = pos + 4
        return true
      elseif c == 'f' then
        pos = pos + 5
        return false
      elseif c == 'n' then
        pos = pos + 4
        return NULL
      end
      local a, b = string.find(s, '^-?[%d.eE+-]+', pos)
      if not a then error('json: unexpected character at ' .. pos) end
      local text = string.sub(s, a, b)
      pos = b + 1
      return { k = 'n', v = tonumber(text), t = text }
    end

    return parse()
  end
end

local json_quote
do
  local ESCAPE = { ['"'] = '\\"', ['\\'] = '\\\\', [string.char(8)] = '\\b', [string.char(12)] = '\\f',
    [string.char(10)] = '\\n', [string.char(13)] = '\\r', [string.char(9)] = '\\t' }
  -- Control bytes, quote, backslash, and 0xED (the lead byte of UTF-8/WTF-8 U+D000..U+DFFF).
  local SPECIAL = '[%z' .. string.char(1) .. '-' .. string.char(31) .. '"\\' .. string.char(237) .. ']'

  json_quote = function(s)
    if not string.find(s, SPECIAL) then return '"' .. s .. '"' end
    local out, n, i = {}, 0, 1
    while true do
      local j = string.find(s, SPECIAL, i)
      if not j then
        n = n + 1
        out[n] = string.sub(s, i)
        break
      end
      if j > i then
        n = n + 1
        out[n] = string.sub(s, i, j - 1)
      end
      local c = string.byte(s, j)
      n = n + 1
      if c ~= 237 then
        local ch = string.sub(s, j, j)
        out[n] = ESCAPE[ch] or string.format('\\u%04x', c)
        i = j + 1
      else
        local b2, b3 = string.byte(s, j + 1, j + 2)
        if b2 and b2 >= 0xA0 then
          local unit = 0xD000 + (b2 - 0x80) * 0x40 + (b3 - 0x80)
          local c4, c5, c6 = string.byte(s, j + 3, j + 5)
          if unit <= 0xDBFF and c4 == 237 and c5 and c5 >= 0xB0 then
            -- A high half followed by a low half (e.g. after string concatenation) is one character again.
            local low = 0xD000 + (c5 - 0x80) * 0x40 + (c6 - 0x80)
            out[n] = utf8_char(0x10000 + (unit - 0xD800) * 0x400 + (low - 0xDC00))
            i = j + 6
          else
            out[n] = string.format('\\u%04x', unit)
            i = j + 3
          end
        else
          out[n] = string.char(c)
          i = j + 1
        end
      end
    end
    return '"' .. table.concat(out) .. '"'
  end
end

local function format_number(x)
  if x == 0 then return '0' end
  if x == math.floor(x) and math.abs(x) <= 9007199254740992 then return string.format('%.0f', x) end
  local s
  for digits = 1, 17 do
    s = string.format('%.' .. (digits - 1) .. 'e', x)
    if tonumber(s) == x then break end
  end
  local sign, mantissa, exponent = string.match(s, '^(-?)([^e]+)e([-+]%d+)$')
  local d = string.gsub(string.gsub(mantissa, '%.', ''), '0+$', '')
  local k, n = #d, tonumber(exponent) + 1
  local body
  if k <= n and n <= 21 then
    body = d .. string.rep('0', n - k)
  elseif 0 < n and n <= 21 then
    body = string.sub(d, 1, n) .. '.' .. string.sub(d, n + 1)
  elseif -6 < n and n <= 0 then
    body = '0.' .. string.rep('0', -n) .. d
  else
    local e = n - 1
    local tail = (e < 0 and '-' or '+') .. math.abs(e)
    if k == 1 then
      body = d .. 'e' .. tail
    else
      body = string.sub(d, 1, 1) .. '.' .. string.sub(d, 2) .. 'e' .. tail
    end
  end
  return sign .. body
end

local json_encode
do
  local function is_index(key)
    if key == '0' then return true end
    return #key <= 10 and string.find(key, '^[1-9]%d*$') ~= nil and tonumber(key) <= 4294967294
  end

  local function ordered_keys(obj)
    local first
    for _, key in ipairs(obj.keys) do
      if is_index(key) then
        first = first or {}
        first[#first + 1] = key
      end
    end
    if not first then return obj.keys end
    table.sort(first, function(a, b) return tonumber(a) < tonumber(b) end)
    for _, key in ipairs(obj.keys) do
      if not is_index(key) then first[#first + 1] = key end
    end
    return first
  end

  local encode_into
  encode_into = function(v, out)
    if v == NULL then
      out[#out + 1] = 'null'
    elseif v == true then
      out[#out + 1] = 'true'
    elseif v == false then
      out[#out + 1] = 'false'
    elseif type(v) == 'string' then
      out[#out + 1] = json_quote(v)
    elseif v.k == 'n' then
      out[#out + 1] = v.t or format_number(v.v)
    elseif v.k == 'a' then
      out[#out + 1] = '['
      for i = 1, v.n do
        if i > 1 then out[#out + 1] = ',' end
        encode_into(v[i], out)
      end
      out[#out + 1] = ']'
    else
      out[#out + 1] = '{'
      for i, key in ipairs(ordered_keys(v)) do
        if i > 1 then out[#out + 1] = ',' end
        out[#out + 1] = json_quote(key)
        out[#out + 1] = ':'
        encode_into(v.map[key], out)
      end
      out[#out + 1] = '}'
    end
  end

  json_encode = function(v)
    local out = {}
    encode_into(v, out)
    return table.concat(out)
  end
end
`;
