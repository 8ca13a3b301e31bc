/**
 * Lua shared by the primitive scripts. Redis runs Lua 5.1, whose `tostring` prints large epoch-ms
 * numbers in exponent form; `num` keeps them exact for ZRANGEBYSCORE bounds.
 */
export const LUA_HELPERS = `
local function num(x) return string.format('%.17g', x) end

local function hdel_all(key, fields)
  for i = 1, #fields, 500 do
    redis.call('HDEL', key, unpack(fields, i, math.min(i + 499, #fields)))
  end
end

-- Members trimmed from a window (pairs of member, score) stay known as counted, the newest \`keep\` of them,
-- so that a replay of an event counted long ago is told apart from an event that arrived too late.
local function remember_counted(key, pairs_list, keep, ttl)
  for i = 1, #pairs_list, 1000 do
    local args = {}
    for j = i, math.min(i + 999, #pairs_list), 2 do
      args[#args + 1] = pairs_list[j + 1]
      args[#args + 1] = pairs_list[j]
    end
    redis.call('ZADD', key, unpack(args))
  end
  redis.call('ZREMRANGEBYRANK', key, 0, -(keep + 1))
  redis.call('PEXPIRE', key, ttl)
end

local function evidence_entry(hash_key, field, id, time)
  local position = redis.call('HGET', hash_key, field)
  if not position then return nil end
  return { id = id, time = time, position = cjson.decode(position) }
end

-- An event a burst absorbed keeps a small marker as its replay record, so its redelivery repeats the same
-- continuation; any other replay record is a crossing's, replayed as it was.
local function burst_marker(burst, events)
  return '{"burst":' .. cjson.encode(burst) .. ',"events":' .. events .. '}'
end

local function replay_reply(record)
  if string.sub(record, 1, 9) == '{"burst":' then
    local marker = cjson.decode(record)
    return { 'counted', '0', '1', marker.burst, tostring(marker.events) }
  end
  return { 'replayed', record }
end
`;
