import { LUA_HELPERS } from './lua-helpers';

/**
 * Up/down state from checks, with durations, one call per check. Atomic: the check, the state and
 * the transition record change together or not at all.
 *
 * KEYS: 1 checks (zset: 'u:<event id>' or 'd:<event id>' -> event time ms), 2 state (hash: newest,
 *       status, since, sinceRef, cause, first, regions, 'r:<region>' (that region's latest check),
 *       'p:<event id>' (stream position of each retained check), 'exp' (when keys 1 and 2 expire,
 *       by the detector's clock; `renewal` in lua-helpers), and in commitment mode pStart, pDown,
 *       breached), 3 this event's replay record, 4 counted (zset: ids of checks trimmed from
 *       1 -> event time, the newest ARGV 18).
 * ARGV: 1 event id, 2 event time ms, 3 position JSON, 4 '1' when the check succeeded else '0',
 *       5 consecutive failures to go down, 6 allowed lateness ms, 7 detected-at ms, 8 state TTL ms,
 *       9 replay record TTL ms, 10 region ('' for none), 11 failing regions to go down (0: off),
 *       12 region window ms, 13 '1' for commitment mode, 14 period start ms, 15 period end ms,
 *       16 commitment (availability ratio), 17 basis: 'elapsed' or 'period', 18 how many trimmed ids
 *       to keep.
 *
 * Replies: {'replayed', record} | {'duplicate'} | {'late', newest} | {'unchanged', status}
 *          | {'transition', record} | {'breach', record} (commitment mode: only breaches are records).
 *
 * Down: `N` consecutive failures in event-time order (ties: a success sorts after a failure), or the
 * latest checks of at least R regions failed within the region window of the newest check (this
 * check among them). Up: a success that is the newest check, once fewer than R regions are failing.
 * A late success inside an outage does not end it, and a late failure can complete a run.
 *
 * Commitment mode also keeps the downtime of the current period (an outage that began before the
 * period counts from its start) and reports, once per period, the in-order check at which
 * availability fell below the commitment: over the period so far ('elapsed', from the later of the
 * period start and the first check seen) or over the whole period ('period').
 */
export const CONSECUTIVE_STATE_LUA = `${LUA_HELPERS}
local checks_key, state_key, replay_key, counted_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, t, pos = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ok = ARGV[4] == '1'
local N, L = tonumber(ARGV[5]), tonumber(ARGV[6])
local detected_at = tonumber(ARGV[7])
local region, R, RW = ARGV[10], tonumber(ARGV[11]), tonumber(ARGV[12])
local commitment_mode = ARGV[13] == '1'

local function replay_or(kind, extra)
  local record = redis.call('GET', replay_key)
  if record then return { 'replayed', record } end
  if extra then return { kind, extra } end
  return { kind }
end

-- A redelivered check that caused a transition gets it back, even if it would now look late. Only
-- known or late checks can be redeliveries, so new checks skip the lookup.
local state = redis.call('HMGET', state_key, 'newest', 'status', 'since', 'sinceRef', 'first', 'regions',
  'pStart', 'pDown', 'breached', 'r:' .. region, 'p:' .. id, 'exp')
if state[11] then return replay_or('duplicate') end
local newest = tonumber(state[1])
if newest and t < newest - L then
  -- A check counted long ago (a redelivery after its partition moved on) is a duplicate, not late.
  if redis.call('ZSCORE', counted_key, id) then return replay_or('duplicate') end
  return replay_or('late', state[1])
end

local member = (ok and 'u:' or 'd:') .. id
redis.call('ZADD', checks_key, t, member)
if not newest or t > newest then newest = t end
-- References keep the position as JSON text; to_evidence(ref) decodes it, only for records.
local this_check = { id = id, time = t, p = pos }
local function to_evidence(ref)
  if ref.position then return ref end
  return { id = ref.id, time = ref.time, position = cjson.decode(ref.p) }
end
local update = { 'p:' .. id, pos, 'newest', num(newest) }
local function set(field, value) update[#update + 1] = field; update[#update + 1] = value end
local first = tonumber(state[5])
if not first or t < first then first = t; set('first', num(t)) end
local status = state[2] or 'up'
local since = tonumber(state[3])
local outage_ref = state[4] and cjson.decode(state[4])

local function ref(check_id, time)
  if check_id == id then return this_check end
  local position = redis.call('HGET', state_key, 'p:' .. check_id)
  if not position then return nil end
  return { id = check_id, time = time, p = position }
end

-- Each region's latest check, and the first failure of its current failing run.
local region_names = state[6] and cjson.decode(state[6]) or {}
local region_info = state[10] and cjson.decode(state[10])
local region_updated = false
if region ~= '' then
  if not region_info then region_names[#region_names + 1] = region; set('regions', cjson.encode(region_names)) end
  if not region_info or t >= region_info.t then
    local info = { ok = ok, t = t, last = this_check }
    if not ok then info.first = (region_info and not region_info.ok and region_info.first) or this_check end
    region_info, region_updated = info, true
    set('r:' .. region, cjson.encode(info))
  end
end
local function failing_regions()
  local failing = {}
  local fields = {}
  for i, name in ipairs(region_names) do fields[i] = 'r:' .. name end
  if #fields == 0 then return failing end
  local raws = redis.call('HMGET', state_key, unpack(fields))
  for i, name in ipairs(region_names) do
    local info
    if name == region then info = region_info elseif raws[i] then info = cjson.decode(raws[i]) end
    if info and not info.ok and info.t >= newest - RW then failing[#failing + 1] = { name = name, info = info } end
  end
  return failing
end
local function by_time(a, b)
  if a.time == b.time then return a.id < b.id end
  return a.time < b.time
end

local transition, closed
if status == 'down' and ok then
  if redis.call('ZREVRANGE', checks_key, 0, 0)[1] == member and not (R > 0 and #failing_regions() >= R) then
    transition = {
      to = 'up', trigger = id, at = t, since = since or t, detectedAt = detected_at,
      evidence = { to_evidence(outage_ref or this_check), to_evidence(this_check) },
    }
    closed = { from = since or t, to = t, ref = outage_ref or this_check }
    status, since, outage_ref = 'up', t, nil
    set('status', 'up'); set('since', num(t)); set('cause', id)
  end
elseif status ~= 'down' and not ok then
  local latest = redis.call('ZREVRANGE', checks_key, 0, N - 1, 'WITHSCORES')
  local all_down, includes_this = #latest == 2 * N, false
  for i = 1, #latest, 2 do
    if string.sub(latest[i], 1, 2) ~= 'd:' then all_down = false end
    if latest[i] == member then includes_this = true end
  end
  if all_down and includes_this then
    -- The run may be longer than N (a late failure joined two runs): walk back to its first failure.
    local start_member, start_time = latest[2 * N - 1], tonumber(latest[2 * N])
    local offset, done = N, false
    while not done do
      local older = redis.call('ZREVRANGE', checks_key, offset, offset + 99, 'WITHSCORES')
      if #older == 0 then break end
      for i = 1, #older, 2 do
        if string.sub(older[i], 1, 2) ~= 'd:' then done = true; break end
        start_member, start_time = older[i], tonumber(older[i + 1])
      end
      offset = offset + 100
    end
    local evidence = {}
    for i = #latest - 1, 1, -2 do
      local entry = ref(string.sub(latest[i], 3), tonumber(latest[i + 1]))
      if entry then evidence[#evidence + 1] = entry end
    end
    for i, entry in ipairs(evidence) do evidence[i] = to_evidence(entry) end
    outage_ref = ref(string.sub(start_member, 3), start_time) or evidence[1]
    transition = {
      to = 'down', trigger = id, at = t, since = start_time, detectedAt = detected_at, failures = N,
      cause = 'consecutive', evidence = evidence,
    }
    since = start_time
  elseif R > 0 and region_updated then
    local failing = failing_regions()
    if #failing >= R then
      local evidence, names = {}, {}
      for _, f in ipairs(failing) do
        evidence[#evidence + 1] = f.info.last
        names[#names + 1] = f.name
        if not outage_ref or by_time(f.info.first, outage_ref) then outage_ref = f.info.first end
      end
      table.sort(evidence, by_time)
      for i, entry in ipairs(evidence) do evidence[i] = to_evidence(entry) end
      table.sort(names)
      since = outage_ref.time
      transition = {
        to = 'down', trigger = id, at = t, since = since, detectedAt = detected_at, failures = #evidence,
        cause = 'regions', regions = names, evidence = evidence,
      }
    end
  end
  if transition then
    status = 'down'
    set('status', 'down'); set('since', num(since)); set('cause', id); set('sinceRef', cjson.encode(to_evidence(outage_ref)))
  end
end

local breach
if commitment_mode then
  local period_start, period_end = tonumber(ARGV[14]), tonumber(ARGV[15])
  local commitment, basis = tonumber(ARGV[16]), ARGV[17]
  local current, down_ms = tonumber(state[7]), tonumber(state[8]) or 0
  local changed = false
  if not current or period_start > current then current, down_ms, changed = period_start, 0, true end
  if closed and closed.to > current then
    down_ms = down_ms + closed.to - math.max(closed.from, current)
    changed = true
  end
  if changed then set('pStart', num(current)); set('pDown', num(down_ms)) end
  if period_start == current and t == newest and tonumber(state[9]) ~= current then
    local total = down_ms
    if status == 'down' then total = total + math.max(0, t - math.max(since, current)) end
    local span
    if basis == 'period' then span = period_end - current else span = t - math.max(current, first) end
    if total > 0 and span > 0 and 1 - total / span < commitment then
      local evidence = { to_evidence(this_check) }
      local outage = outage_ref or (closed and closed.ref)
      if outage and outage.id ~= id then evidence = { to_evidence(outage), evidence[1] } end
      breach = {
        trigger = id, at = t, detectedAt = detected_at, periodStart = current, periodEnd = period_end,
        downtimeMs = total, spanMs = span, commitment = commitment, basis = basis,
        firstAt = outage and outage.time or t, evidence = evidence,
      }
      set('breached', num(current))
    end
  end
end

local lifetime = renewal(update, state[12], detected_at, tonumber(ARGV[8]))
redis.call('HSET', state_key, unpack(update))
if closed then redis.call('HDEL', state_key, 'sinceRef') end

-- Keep every check within the lateness (a late check is placed among them) and the latest N.
local old = redis.call('ZCOUNT', checks_key, '-inf', '(' .. num(newest - L))
local removable = math.min(old, redis.call('ZCARD', checks_key) - N)
if removable > 0 then
  local gone = redis.call('ZRANGE', checks_key, 0, removable - 1, 'WITHSCORES')
  local fields, counted = {}, {}
  for i = 1, #gone, 2 do
    local check_id = string.sub(gone[i], 3)
    fields[#fields + 1] = 'p:' .. check_id
    counted[#counted + 1] = check_id
    counted[#counted + 1] = gone[i + 1]
  end
  remember_counted(counted_key, counted, tonumber(ARGV[18]), ARGV[8])
  hdel_all(state_key, fields)
  redis.call('ZREMRANGEBYRANK', checks_key, 0, removable - 1)
end
expire_keys(lifetime, checks_key, state_key)

local record, kind
if commitment_mode then record, kind = breach, 'breach' else record, kind = transition, 'transition' end
if not record then return { 'unchanged', status } end
-- The state expired (idle) while this check's record did not: repeat it, never replace it.
local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end
local text = cjson.encode(record)
redis.call('SET', replay_key, text, 'PX', ARGV[9])
return { kind, text }
`;
