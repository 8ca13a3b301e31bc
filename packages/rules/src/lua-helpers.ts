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

-- Members of a window older than \`horizon\` can never count again. Trimming each as it passes cost five calls
-- an event once a window was full, so a window is trimmed only when its oldest member is \`slack\` past the
-- horizon, then of everything past it. The members kept meanwhile lie before every count's and evidence's
-- range; an id among them is known as counted, as it would be in the counted set.
local function trim_window(window_key, data_key, counted_key, field_prefix, horizon, slack, keep, ttl)
  if #redis.call('ZRANGEBYSCORE', window_key, '-inf', '(' .. num(horizon - slack), 'LIMIT', 0, 1) == 0 then return end
  local bound = '(' .. num(horizon)
  local expired = redis.call('ZRANGEBYSCORE', window_key, '-inf', bound, 'WITHSCORES')
  remember_counted(counted_key, expired, keep, ttl)
  local fields = {}
  for i = 1, #expired, 2 do fields[#fields + 1] = field_prefix .. expired[i] end
  hdel_all(data_key, fields)
  redis.call('ZREMRANGEBYSCORE', window_key, '-inf', bound)
end

-- Idle state lives \`ttl\` after its scope's last event, and at most a sixteenth of it longer. Renewing both
-- keys' expiry on every event cost two calls an event, so the data hash notes when they expire ('exp', by
-- the detectors' clock) and they are renewed only when that is less than \`ttl\` away (or further than the
-- longest, after the retention was shortened). When due, appends the new 'exp' to \`update\` (the field and
-- value list of the call's HSET) and returns the lifetime to give the keys with \`expire_keys\`, after it.
local function renewal(update, noted, now, ttl)
  local longest = ttl + math.floor(ttl / 16)
  local left = tonumber(noted)
  if left then left = left - now end
  if left and left >= ttl and left <= longest then return nil end
  update[#update + 1] = 'exp'; update[#update + 1] = num(now + longest)
  return longest
end

local function expire_keys(lifetime, first, second)
  if not lifetime then return end
  redis.call('PEXPIRE', first, lifetime)
  redis.call('PEXPIRE', second, lifetime)
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
