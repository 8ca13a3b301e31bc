import { LUA_HELPERS } from './lua-helpers';

/**
 * Count in window with a threshold, one call per event. Atomic: the add, the count, the episode and
 * the transition record change together or not at all.
 *
 * KEYS: 1 window (zset: event id -> event time ms), 2 data (hash: 'newest', 'from', 'until' (the
 *       episode), 'exp' (when keys 1 and 2 expire, by the detector's clock; `renewal` in lua-helpers),
 *       and 'p:<event id>' -> stream position of each event in the window), 3 this event's replay
 *       record, 4 counted (zset: ids trimmed from the window -> event time, the newest ARGV 11).
 * ARGV: 1 event id, 2 event time ms, 3 position JSON, 4 window ms, 5 allowed lateness ms,
 *       6 threshold, 7 max evidence, 8 detected-at ms, 9 state TTL ms, 10 replay record TTL ms,
 *       11 how many trimmed ids to keep.
 *
 * Replies: {'replayed', record} | {'duplicate'} | {'late', newest}
 *          | {'counted', count, inEpisode[, burst, burstEvents]} | {'crossed', record}. A record is the
 *          JSON the rule builds its detection from. An event
 *          behind the lateness that was counted before (still in the window, or among the kept trimmed
 *          ids) is a 'duplicate', never 'late': replaying a file must not report what was counted.
 *
 * The episode keeps one burst to one detection: after a crossing at endpoint s the episode covers
 * endpoints in [from - W, until], until = the last endpoint still at or over the threshold + W.
 * Endpoints are event times in event-time order, so replays of history behave like live traffic.
 * The data hash also names the current burst ('burst': its crossing event's id) and counts its events
 * ('burst_events': the crossing's count, plus one for each new event counted inside the episode), so a
 * rule can add the burst's later events to the incident its crossing opened.
 */
export const COUNT_IN_WINDOW_LUA = `${LUA_HELPERS}
local window_key, data_key, replay_key, counted_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, t = ARGV[1], tonumber(ARGV[2])
local W, L, N = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local max_evidence = tonumber(ARGV[7])

-- One read for everything the call decides on: the scope's newest event and episode, its burst, and
-- whether this event is in the window already (every member has its position, 'p:<id>', and no other
-- id has one).
local meta = redis.call('HMGET', data_key, 'newest', 'from', 'until', 'burst', 'burst_events', 'p:' .. id, 'exp')

-- A redelivered event that caused a crossing gets the crossing back, even if it would now look late.
-- Only known or late events can be redeliveries, so new events skip the lookup.
if meta[6] then
  local record = redis.call('GET', replay_key)
  if record then return replay_reply(record) end
  return { 'duplicate' }
end

local newest = tonumber(meta[1])
if newest and t < newest - L then
  local record = redis.call('GET', replay_key)
  if record then return replay_reply(record) end
  if redis.call('ZSCORE', counted_key, id) then return { 'duplicate' } end
  return { 'late', meta[1] }
end

redis.call('ZADD', window_key, t, id)
if not newest or t > newest then newest = t end

-- No accepted event (t >= newest - L) can look further back than newest - L - W.
trim_window(window_key, data_key, counted_key, 'p:', newest - L - W, math.floor(W / 8), tonumber(ARGV[11]), ARGV[9])

-- An in-order event only changes the window ending at itself; a late one changes every window
-- that ends at a later member within W of it.
local endpoints = { t }
if t < newest then
  local later = redis.call('ZRANGEBYSCORE', window_key, '(' .. num(t), num(t + W), 'WITHSCORES')
  for i = 2, #later, 2 do
    local s = tonumber(later[i])
    if s ~= endpoints[#endpoints] then endpoints[#endpoints + 1] = s end
  end
end

local from, untl = tonumber(meta[2]), tonumber(meta[3])
local older_from, older_until
local count_at_t, in_episode
local fired_at, fired_count
for i, s in ipairs(endpoints) do
  local c = redis.call('ZCOUNT', window_key, num(s - W), num(s))
  if i == 1 then count_at_t = c end
  if c >= N then
    if from and s >= from - W and s <= untl then
      in_episode = true
      if s < from then from = s end
      if s + W > untl then untl = s + W end
    elseif older_from and s <= older_until then
      if s + W > older_until then older_until = s + W end
    elseif not fired_at then
      fired_at, fired_count = s, c
      if not from or s > untl then
        from, untl = s, s + W
      else
        -- A burst older than the current episode (only when lateness exceeds the window).
        older_from, older_until = s, s + W
      end
    end
  end
end

local meta_update = { 'p:' .. id, ARGV[3], 'newest', num(newest) }
if from then
  meta_update[#meta_update + 1] = 'from'; meta_update[#meta_update + 1] = num(from)
  meta_update[#meta_update + 1] = 'until'; meta_update[#meta_update + 1] = num(untl)
end
-- The burst goes on: one more event for it, with the burst's id (its crossing event) to add it to.
local burst, burst_events = meta[4], nil
if not fired_at and in_episode and burst then
  burst_events = (tonumber(meta[5]) or 0) + 1
  meta_update[#meta_update + 1] = 'burst_events'; meta_update[#meta_update + 1] = burst_events
end
local lifetime = renewal(meta_update, meta[7], tonumber(ARGV[8]), tonumber(ARGV[9]))
redis.call('HSET', data_key, unpack(meta_update))
expire_keys(lifetime, window_key, data_key)

if not fired_at then
  if burst_events then
    redis.call('SET', replay_key, burst_marker(burst, burst_events), 'PX', ARGV[9])
    return { 'counted', tostring(count_at_t), '1', burst, tostring(burst_events) }
  end
  return { 'counted', tostring(count_at_t), in_episode and '1' or '0' }
end

-- The window's state expired (idle) while its crossing record did not: repeat the record, never replace it.
local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end

local lo, hi = num(fired_at - W), num(fired_at)
local recent = redis.call('ZREVRANGEBYSCORE', window_key, hi, lo, 'WITHSCORES', 'LIMIT', 0, max_evidence)
local first = redis.call('ZRANGEBYSCORE', window_key, lo, hi, 'WITHSCORES', 'LIMIT', 0, 1)
local evidence, has_trigger = {}, false
for i = #recent - 1, 1, -2 do
  local entry = evidence_entry(data_key, 'p:' .. recent[i], recent[i], tonumber(recent[i + 1]))
  if entry then evidence[#evidence + 1] = entry end
  if recent[i] == id then has_trigger = true end
end
if not has_trigger then
  -- The trigger must be in the evidence even when the cap cut it off: swap it for the oldest entry.
  if #evidence >= max_evidence then table.remove(evidence, 1) end
  local at = 1
  while evidence[at] and evidence[at].time <= t do at = at + 1 end
  table.insert(evidence, at, { id = id, time = t, position = cjson.decode(ARGV[3]) })
end

local record = cjson.encode({
  trigger = id, triggerTime = t, at = fired_at, count = fired_count, firstAt = tonumber(first[2]),
  detectedAt = tonumber(ARGV[8]), windowMs = W, threshold = N, evidence = evidence,
})
redis.call('SET', replay_key, record, 'PX', ARGV[10])
if fired_at == from then redis.call('HSET', data_key, 'burst', id, 'burst_events', fired_count) end
return { 'crossed', record }
`;
