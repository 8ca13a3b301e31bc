/**
 * Up/down state of a service from its Alertmanager alerts, one call per alert event. Atomic: the alert,
 * the state and the transition records change together or not at all.
 *
 * KEYS: 1 state (hash: status, since, sinceRef, lastUp, 'f:<fingerprint>' -> the firing alert as JSON
 *       {s = startsAt ms, c = trips alone, ref = evidence}, 'x:<fingerprint>:<startsAt>' -> its end once
 *       resolved), 2 this event's replay record.
 * ARGV: 1 event id, 2 event time ms (startsAt while firing, endsAt once resolved), 3 position JSON,
 *       4 '1' firing else '0', 5 fingerprint, 6 startsAt ms, 7 '1' when this alert alone takes the service
 *       down, 8 firing alerts that take it down, 9 detected-at ms, 10 state TTL ms, 11 replay record TTL ms.
 *
 * Replies: {'replayed', records} | {'unchanged', status} | {'transitions', records} (records: a JSON array).
 *
 * Down from the earliest startsAt of the firing alerts once `to_trip` of them fire (or one that trips
 * alone), never before the end of the previous outage; up at the endsAt of the last one to resolve. A
 * repeat of a firing alert changes nothing; a late one that started earlier moves the start back (a
 * second 'down' at the earlier time: the register pairs transitions in event-time order). A resolution of
 * an alert never seen firing, while the service is up, is a whole outage seen after the fact.
 */
export const ALERT_GROUP_LUA = `
local state_key, replay_key = KEYS[1], KEYS[2]
local id, t, pos = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local firing, fp, starts = ARGV[4] == '1', ARGV[5], tonumber(ARGV[6])
local alone, to_trip, detected_at = ARGV[7] == '1', tonumber(ARGV[8]), tonumber(ARGV[9])

local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end

local state = redis.call('HMGET', state_key, 'status', 'since', 'sinceRef', 'lastUp', 'f:' .. fp,
  'x:' .. fp .. ':' .. ARGV[6])
local status = state[1] or 'up'
local since = tonumber(state[2])
local since_ref = state[3] and cjson.decode(state[3])
local last_up = tonumber(state[4])
local known = state[5] and cjson.decode(state[5])
local ended = state[6]
local this_ref = { id = id, time = t, position = cjson.decode(pos) }
local records = {}

local function firing_alerts()
  local all = redis.call('HGETALL', state_key)
  local list = {}
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 2) == 'f:' then list[#list + 1] = cjson.decode(all[i + 1]) end
  end
  return list
end

local function not_before_last_up(at)
  if last_up and at < last_up then return last_up end
  return at
end

local function go_down(at, ref, count, evidence)
  since, since_ref, status = at, ref, 'down'
  records[#records + 1] = { to = 'down', trigger = id, at = t, since = at, detectedAt = detected_at,
    firing = count, evidence = evidence }
end

local function go_up(at, evidence)
  records[#records + 1] = { to = 'up', trigger = id, at = at, since = since, detectedAt = detected_at,
    firing = 0, evidence = evidence }
  status, last_up, since, since_ref = 'up', at, nil, nil
end

if firing then
  -- A repeat, or the firing of an alert already resolved (delivered out of order): nothing new.
  if ended or (known and known.s <= starts) then
    redis.call('PEXPIRE', state_key, ARGV[10])
    return { 'unchanged', status }
  end
  redis.call('HSET', state_key, 'f:' .. fp, cjson.encode({ s = starts, c = alone, ref = this_ref }))
  local alerts = firing_alerts()
  if status == 'down' then
    local start = not_before_last_up(starts)
    if start < since then go_down(start, this_ref, #alerts, { this_ref }) end
  else
    local tripped = #alerts >= to_trip
    local first
    for _, a in ipairs(alerts) do
      if a.c then tripped = true end
      if not first or a.s < first.s then first = a end
    end
    if tripped then
      local evidence = { first.ref }
      if first.ref.id ~= id then evidence[2] = this_ref end
      go_down(not_before_last_up(first.s), first.ref, #alerts, evidence)
    end
  end
else
  if ended then return { 'unchanged', status } end
  redis.call('HSET', state_key, 'x:' .. fp .. ':' .. ARGV[6], ARGV[2])
  if known then
    redis.call('HDEL', state_key, 'f:' .. fp)
    if status == 'down' and #firing_alerts() == 0 then
      go_up(math.max(t, since), { since_ref, this_ref })
    end
  elseif status == 'up' and (alone or to_trip <= 1) then
    -- Fired and resolved between two deliveries, or its firing was never delivered: the outage it shows.
    local start = not_before_last_up(starts)
    if start < t then
      go_down(start, this_ref, 1, { this_ref })
      go_up(t, { this_ref })
    end
  end
end

local update = { 'status', status, 'lastUp', last_up and string.format('%.17g', last_up) or '' }
if since then
  update[#update + 1] = 'since'; update[#update + 1] = string.format('%.17g', since)
  update[#update + 1] = 'sinceRef'; update[#update + 1] = cjson.encode(since_ref)
end
redis.call('HSET', state_key, unpack(update))
if not since then redis.call('HDEL', state_key, 'since', 'sinceRef') end
redis.call('PEXPIRE', state_key, ARGV[10])

if #records == 0 then return { 'unchanged', status } end
local text = cjson.encode(records)
redis.call('SET', replay_key, text, 'PX', ARGV[11])
return { 'transitions', text }
`;
