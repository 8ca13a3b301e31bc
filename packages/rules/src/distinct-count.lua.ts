import { LUA_HELPERS } from './lua-helpers';

/**
 * Distinct values (e.g. users) a scope (e.g. an IP) saw within a window, one call per event. Atomic:
 * the add, the count, the episode and the crossing record change together or not at all.
 *
 * KEYS: 1 values (zset: value -> time of its newest event), 2 data (hash: 'newest', 'from', 'until',
 *       'exp' (when keys 1 and 2 expire, by the detector's clock; `renewal` in lua-helpers),
 *       and 'v:<value>' -> that newest event as evidence JSON), 3 this event's replay record,
 *       4 counted (zset: values trimmed from the window -> time of their newest event, the newest ARGV 12).
 * ARGV: 1 event id, 2 event time ms, 3 position JSON, 4 value, 5 window ms, 6 allowed lateness ms,
 *       7 threshold, 8 max evidence, 9 detected-at ms, 10 state TTL ms, 11 replay record TTL ms,
 *       12 how many trimmed values to keep.
 *
 * Replies: {'replayed', record} | {'duplicate'} | {'late', newest}
 *          | {'counted', count, inEpisode[, burst, burstEvents]} | {'crossed', record}. An event no newer
 *          than its value's counted newest event (in the window,
 *          or among the kept trimmed values) is a 'duplicate', never 'late': it could not change the count,
 *          and a replayed file must not report as late what was counted.
 *
 * The window is the one ending at the newest event of the scope: an in-order event ends it, a late
 * one (within the lateness) counts toward it if it still falls inside. Each value counts once, at
 * its newest event; one burst fires once (the episode lasts until the count has been below the
 * threshold for a whole window), as in count-in-window. As there, 'burst' / 'burst_events' in the data
 * hash name the current burst and count its events (the distinct values at the crossing, then one for
 * each new event inside the episode).
 */
export const DISTINCT_COUNT_LUA = `${LUA_HELPERS}
local values_key, data_key, replay_key, counted_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, t, value = ARGV[1], tonumber(ARGV[2]), ARGV[4]
local W, L, N = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local max_evidence = tonumber(ARGV[8])
local field = 'v:' .. value

local function replay_or(kind, extra)
  local record = redis.call('GET', replay_key)
  if record then return replay_reply(record) end
  if extra then return { kind, extra } end
  return { kind }
end

local meta = redis.call('HMGET', data_key, 'newest', 'from', 'until', field, 'burst', 'burst_events', 'exp')
-- This value's newest event is this one or a later one: a redelivery, or an older event of a value
-- already counted. Neither changes the set; only these can be redeliveries, so only they look up.
local newest = tonumber(meta[1])
if meta[4] then
  local latest = cjson.decode(meta[4])
  if latest.id == id or t <= latest.time then return replay_or('duplicate') end
end
if newest and t < newest - L then
  local trimmed = redis.call('ZSCORE', counted_key, value)
  if trimmed and t <= tonumber(trimmed) then return replay_or('duplicate') end
  return replay_or('late', meta[1])
end

redis.call('ZADD', values_key, t, value)
local entry = '{"id":' .. cjson.encode(id) .. ',"time":' .. num(t) .. ',"value":' .. cjson.encode(value)
  .. ',"position":' .. ARGV[3] .. '}'
if not newest or t > newest then newest = t end

trim_window(values_key, data_key, counted_key, 'v:', newest - L - W, math.floor(W / 8), tonumber(ARGV[12]), ARGV[10])

local e = newest
local count = redis.call('ZCOUNT', values_key, num(e - W), num(e))
local from, untl = tonumber(meta[2]), tonumber(meta[3])
local fired, in_episode = false, false
if count >= N then
  if untl and e <= untl then
    in_episode = true
  else
    fired = true
    from = e
  end
  untl = e + W
end

local update = { field, entry, 'newest', num(newest) }
if from then
  update[#update + 1] = 'from'; update[#update + 1] = num(from)
  update[#update + 1] = 'until'; update[#update + 1] = num(untl)
end
-- The burst goes on: one more event for it (read with the rest above, written with the rest here).
local burst, burst_events = meta[5], nil
if in_episode and burst then
  burst_events = (tonumber(meta[6]) or 0) + 1
  update[#update + 1] = 'burst_events'; update[#update + 1] = burst_events
end
local lifetime = renewal(update, meta[7], tonumber(ARGV[9]), tonumber(ARGV[10]))
redis.call('HSET', data_key, unpack(update))
expire_keys(lifetime, values_key, data_key)

if not fired then
  if burst_events then
    redis.call('SET', replay_key, burst_marker(burst, burst_events), 'PX', ARGV[10])
    return { 'counted', tostring(count), '1', burst, tostring(burst_events) }
  end
  return { 'counted', tostring(count), in_episode and '1' or '0' }
end
local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end

local recent = redis.call('ZREVRANGEBYSCORE', values_key, num(e), num(e - W), 'LIMIT', 0, max_evidence)
local has_trigger = false
for _, v in ipairs(recent) do if v == value then has_trigger = true end end
if not has_trigger then
  if #recent >= max_evidence then table.remove(recent) end
  recent[#recent + 1] = value
end
local fields = {}
for i, v in ipairs(recent) do fields[i] = 'v:' .. v end
local evidence = {}
for _, raw in ipairs(redis.call('HMGET', data_key, unpack(fields))) do
  if raw then evidence[#evidence + 1] = cjson.decode(raw) end
end
table.sort(evidence, function(a, b)
  if a.time == b.time then return a.id < b.id end
  return a.time < b.time
end)
local first = redis.call('ZRANGEBYSCORE', values_key, num(e - W), num(e), 'WITHSCORES', 'LIMIT', 0, 1)
local record = cjson.encode({
  trigger = id, triggerTime = t, at = e, count = count, firstAt = tonumber(first[2]),
  detectedAt = tonumber(ARGV[9]), windowMs = W, threshold = N, evidence = evidence,
})
redis.call('SET', replay_key, record, 'PX', ARGV[11])
redis.call('HSET', data_key, 'burst', id, 'burst_events', count)
return { 'crossed', record }
`;
