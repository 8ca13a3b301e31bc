import { LUA_HELPERS } from './lua-helpers';
import { COUNTED_IDS_KEPT } from './window-reply';

/**
 * Error-budget burn rate over several windows, one call per event. Atomic: the count, the window
 * sums, the alert level and the transition record change together or not at all.
 *
 * Good and bad events are counted in time buckets (1 minute for windows up to 6 h, 1 hour for longer
 * ones); each window keeps a running sum of the buckets it covers (the `n` buckets ending at the
 * newest event's bucket), moved forward as event time advances, so an event costs the same whatever
 * the windows' lengths.
 *
 * KEYS: 1 seen (zset: event id -> event time; ids within the lateness, and beyond it the newest
 *       COUNTED_IDS_KEPT, to count each event once and tell a replay of one counted long ago from a late one),
 *       2 data (hash: 'newest', 'level', 'since', 'ev' (recent bad events as evidence JSON),
 *       'g<i>' / 'b<i>' window sums, '<bucket ms>:<bucket index><g|b>' bucket counts, 'exp' (when
 *       keys 1 and 2 expire, by the detector's clock; `renewal` in lua-helpers)),
 *       3 this event's replay record.
 * ARGV: 1 event id, 2 event time ms, 3 position JSON, 4 '1' good / '0' bad, 5 allowed lateness ms,
 *       6 error budget (1 - target), 7 minimum events in a condition's long window, 8 detected-at ms,
 *       9 state TTL ms, 10 replay TTL ms, 11 bad events kept as evidence, 12 k windows, then k pairs
 *       (window ms, bucket ms), then m conditions, then m quadruples (long window index, short
 *       window index, burn-rate factor, level: 1 ticket, 2 page).
 *
 * A condition holds when its long window has at least the minimum events, its short window has
 * any, and both windows' bad ratios reach factor x budget. The level is the highest holding
 * condition's. Rising fires (with that condition's figures); falling to 0 resolves; falling to a
 * lower non-zero level changes nothing (the episode stays at its highest level until it clears).
 *
 * Replies: {'replayed', record} | {'duplicate'} | {'late', newest} | {'unchanged', level}
 *          | {'transition', record}.
 */
export const BURN_RATE_LUA = `${LUA_HELPERS}
local seen_key, data_key, replay_key = KEYS[1], KEYS[2], KEYS[3]
local id, t = ARGV[1], tonumber(ARGV[2])
local good = ARGV[4] == '1'
local L, budget, min_events = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local detected_at, max_evidence = tonumber(ARGV[8]), tonumber(ARGV[11])
local k = tonumber(ARGV[12])
local wms, wg, wn = {}, {}, {}
for i = 1, k do
  wms[i], wg[i] = tonumber(ARGV[11 + 2 * i]), tonumber(ARGV[12 + 2 * i])
  wn[i] = wms[i] / wg[i]
end
local at = 13 + 2 * k
local conds = {}
for j = 1, tonumber(ARGV[at]) do
  local o = at + 4 * (j - 1)
  conds[j] = { l = tonumber(ARGV[o + 1]), s = tonumber(ARGV[o + 2]), f = tonumber(ARGV[o + 3]), level = tonumber(ARGV[o + 4]) }
end
-- The bucket series in use, each with how many buckets any window of it (plus the lateness) reaches.
local series, reach = {}, {}
for i = 1, k do
  local g = wg[i]
  local r = wn[i] + math.ceil(L / g) + 1
  if not reach[g] then series[#series + 1] = g; reach[g] = r elseif reach[g] < r then reach[g] = r end
end

local function replay_or(kind, extra)
  local record = redis.call('GET', replay_key)
  if record then return { 'replayed', record } end
  if extra then return { kind, extra } end
  return { kind }
end

if redis.call('ZSCORE', seen_key, id) then return replay_or('duplicate') end
local fields = { 'newest', 'level', 'since', 'ev' }
for i = 1, k do fields[#fields + 1] = 'g' .. i; fields[#fields + 1] = 'b' .. i end
fields[#fields + 1] = 'exp'
local st = redis.call('HMGET', data_key, unpack(fields))
local newest = tonumber(st[1])
if newest and t < newest - L then return replay_or('late', st[1]) end
redis.call('ZADD', seen_key, num(t), id)

local gs, bs = {}, {}
for i = 1, k do gs[i] = tonumber(st[3 + 2 * i]) or 0; bs[i] = tonumber(st[4 + 2 * i]) or 0 end
local top = newest
if not top or t > top then top = t end
local function bucket(x, g) return math.floor(x / g) end

if newest and top > newest then
  -- Each window slides to the new newest bucket: the buckets that leave it come off its sums.
  local exits, exit_of = {}, {}
  for i = 1, k do
    local g, n = wg[i], wn[i]
    local from, to = bucket(newest, g), bucket(top, g)
    if to > from then
      if to - from >= n then
        gs[i], bs[i] = 0, 0
      else
        for b = from - n + 1, to - n do
          exits[#exits + 1] = g .. ':' .. b .. 'g'; exit_of[#exits] = i
          exits[#exits + 1] = g .. ':' .. b .. 'b'; exit_of[#exits] = -i
        end
      end
    end
  end
  if #exits > 0 then
    local values = redis.call('HMGET', data_key, unpack(exits))
    for j = 1, #exits do
      local v = tonumber(values[j])
      if v then
        local i = exit_of[j]
        if i > 0 then gs[i] = gs[i] - v else bs[-i] = bs[-i] - v end
      end
    end
  end
  -- Buckets no window can reach any more.
  local dead = {}
  for _, g in ipairs(series) do
    local from, to = bucket(newest, g), bucket(top, g)
    for b = from - reach[g] + 1, math.min(to - reach[g], from) do
      dead[#dead + 1] = g .. ':' .. b .. 'g'; dead[#dead + 1] = g .. ':' .. b .. 'b'
    end
  end
  if #dead > 0 then hdel_all(data_key, dead) end
end

local mark = good and 'g' or 'b'
for _, g in ipairs(series) do redis.call('HINCRBY', data_key, g .. ':' .. bucket(t, g) .. mark, 1) end
for i = 1, k do
  if bucket(t, wg[i]) > bucket(top, wg[i]) - wn[i] then
    if good then gs[i] = gs[i] + 1 else bs[i] = bs[i] + 1 end
  end
end

local this_ref
local function this_event()
  if not this_ref then this_ref = { id = id, time = t, position = cjson.decode(ARGV[3]) } end
  return this_ref
end
-- The recent bad events, decoded only when they change or go into a record.
local ev
local function recent_bad()
  if not ev then ev = st[4] and cjson.decode(st[4]) or {} end
  return ev
end
if not good then
  recent_bad()
  local pos = #ev + 1
  while pos > 1 and ev[pos - 1].time > t do pos = pos - 1 end
  table.insert(ev, pos, this_event())
  while #ev > max_evidence do table.remove(ev, 1) end
end

local level, which = 0, nil
for _, c in ipairs(conds) do
  local lt, stt = gs[c.l] + bs[c.l], gs[c.s] + bs[c.s]
  if lt >= min_events and stt > 0 and bs[c.l] > 0 and c.level > level then
    local need = c.f * budget
    if bs[c.l] >= need * lt - 1e-9 and bs[c.s] >= need * stt - 1e-9 then level, which = c.level, c end
  end
end

local prev = tonumber(st[2]) or 0
local since = tonumber(st[3])
local record, cleared
if level > prev then
  if prev == 0 then since = t end
  local l, s = which.l, which.s
  local evidence = {}
  for _, e in ipairs(recent_bad()) do
    if e.time >= top - wms[l] and e.id ~= id then evidence[#evidence + 1] = e end
  end
  local pos = #evidence + 1
  while pos > 1 and evidence[pos - 1].time > t do pos = pos - 1 end
  table.insert(evidence, pos, this_event())
  record = {
    to = 'firing', level = level, previous = prev, trigger = id, at = t, detectedAt = detected_at, since = since,
    longMs = wms[l], shortMs = wms[s], factor = which.f, budget = budget,
    longEvents = gs[l] + bs[l], longBad = bs[l], shortEvents = gs[s] + bs[s], shortBad = bs[s],
    evidence = evidence,
  }
  prev = level
elseif level == 0 and prev > 0 then
  record = {
    to = 'resolved', level = 0, previous = prev, trigger = id, at = t, detectedAt = detected_at,
    since = since or t, evidence = { this_event() },
  }
  prev, since, cleared = 0, nil, true
end

local update = { 'newest', num(top), 'level', prev }
if since then update[#update + 1] = 'since'; update[#update + 1] = num(since) end
if not good then update[#update + 1] = 'ev'; update[#update + 1] = cjson.encode(ev) end
for i = 1, k do
  update[#update + 1] = 'g' .. i; update[#update + 1] = gs[i]
  update[#update + 1] = 'b' .. i; update[#update + 1] = bs[i]
end
local lifetime = renewal(update, st[#fields], detected_at, tonumber(ARGV[9]))
redis.call('HSET', data_key, unpack(update))
if cleared then redis.call('HDEL', data_key, 'since') end
local old_ids = redis.call('ZCOUNT', seen_key, '-inf', '(' .. num(top - L))
local removable = math.min(old_ids, redis.call('ZCARD', seen_key) - ${COUNTED_IDS_KEPT})
if removable > 0 then redis.call('ZREMRANGEBYRANK', seen_key, 0, removable - 1) end
expire_keys(lifetime, seen_key, data_key)

if not record then return { 'unchanged', tostring(prev) } end
local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end
local text = cjson.encode(record)
redis.call('SET', replay_key, text, 'PX', ARGV[10])
return { 'transition', text }
`;
