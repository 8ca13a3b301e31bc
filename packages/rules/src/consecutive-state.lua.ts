import { LUA_HELPERS } from './lua-helpers';

/**
 * Up/down state from consecutive checks, one call per check. Atomic: the check, the state and the
 * transition record change together or not at all.
 *
 * KEYS: 1 checks (zset: 'u:<event id>' or 'd:<event id>' -> event time ms), 2 positions (hash:
 *       event id -> stream position), 3 state (hash: newest, status, since, sinceRef, cause),
 *       4 this event's replay record.
 * ARGV: 1 event id, 2 event time ms, 3 position JSON, 4 '1' when the check succeeded else '0',
 *       5 failures to go down, 6 allowed lateness ms, 7 detected-at ms, 8 state TTL ms,
 *       9 replay record TTL ms.
 *
 * Replies: {'replayed', record} | {'duplicate'} | {'late', newest} | {'unchanged', status}
 *          | {'transition', record}.
 *
 * State is decided at the newest check in event time (ties: a success sorts after a failure), so a
 * late success inside an outage does not end it, and a late failure can complete a run.
 */
export const CONSECUTIVE_STATE_LUA = `${LUA_HELPERS}
local checks_key, positions_key, state_key, replay_key = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, t = ARGV[1], tonumber(ARGV[2])
local ok = ARGV[4] == '1'
local N, L = tonumber(ARGV[5]), tonumber(ARGV[6])
local detected_at = tonumber(ARGV[7])

-- A redelivered event that caused a transition gets it back, even if it would now look late. Only
-- known or late checks can be redeliveries, so new checks skip the lookup. Every retained check has
-- a position, so one HEXISTS answers for both of its possible members.
if redis.call('HEXISTS', positions_key, id) == 1 then
  local record = redis.call('GET', replay_key)
  if record then return { 'replayed', record } end
  return { 'duplicate' }
end

local state = redis.call('HMGET', state_key, 'newest', 'status', 'since', 'sinceRef')
local newest = tonumber(state[1])
if newest and t < newest - L then
  local record = redis.call('GET', replay_key)
  if record then return { 'replayed', record } end
  return { 'late', state[1] }
end

local member = (ok and 'u:' or 'd:') .. id
redis.call('ZADD', checks_key, t, member)
redis.call('HSET', positions_key, id, ARGV[3])
if not newest or t > newest then newest = t end
local status = state[2] or 'up'

local transition
if status == 'down' and ok then
  if redis.call('ZREVRANGE', checks_key, 0, 0)[1] == member then
    -- Only a state hash that lost fields (a partial expiry) lacks these; fall back to this check.
    local this_check = { id = id, time = t, position = cjson.decode(ARGV[3]) }
    local since_ref = state[4] and cjson.decode(state[4]) or this_check
    transition = {
      to = 'up', trigger = id, at = t, since = tonumber(state[3]) or t, detectedAt = detected_at,
      evidence = { since_ref, this_check },
    }
    redis.call('HSET', state_key, 'status', 'up', 'since', num(t), 'cause', id)
    redis.call('HDEL', state_key, 'sinceRef')
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
      local entry = evidence_entry(positions_key, string.sub(latest[i], 3), tonumber(latest[i + 1]))
      if entry then evidence[#evidence + 1] = entry end
    end
    local since_ref = evidence_entry(positions_key, string.sub(start_member, 3), start_time) or evidence[1]
    transition = {
      to = 'down', trigger = id, at = t, since = start_time, detectedAt = detected_at, failures = N,
      evidence = evidence,
    }
    redis.call('HSET', state_key, 'status', 'down', 'since', num(start_time), 'cause', id,
      'sinceRef', cjson.encode(since_ref))
  end
end
redis.call('HSET', state_key, 'newest', num(newest))

-- Keep every check within the lateness (a late check is placed among them) and the latest N.
local old = redis.call('ZCOUNT', checks_key, '-inf', '(' .. num(newest - L))
local removable = math.min(old, redis.call('ZCARD', checks_key) - N)
if removable > 0 then
  local gone = redis.call('ZRANGE', checks_key, 0, removable - 1)
  for i, m in ipairs(gone) do gone[i] = string.sub(m, 3) end
  hdel_all(positions_key, gone)
  redis.call('ZREMRANGEBYRANK', checks_key, 0, removable - 1)
end
for _, key in ipairs({ checks_key, positions_key, state_key }) do redis.call('PEXPIRE', key, ARGV[8]) end

if not transition then return { 'unchanged', status == 'down' and 'down' or 'up' } end
-- The state expired (idle) while this check's transition record did not: repeat it, never replace it.
local earlier = redis.call('GET', replay_key)
if earlier then return { 'replayed', earlier } end
local record = cjson.encode(transition)
redis.call('SET', replay_key, record, 'PX', ARGV[9])
return { 'transition', record }
`;
