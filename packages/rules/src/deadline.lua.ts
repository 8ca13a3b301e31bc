import { LUA_HELPERS } from './lua-helpers';

/**
 * Absence / deadline timers of one rule. Every scope's timer lives in one hash and one sorted set
 * (one hash tag), so one call per batch arms every scope the batch touched, and a tick is atomic.
 *
 * A scope's state (JSON in the hash): a = event time of the arming event, d = due ms, e = the arming
 * event as {id, time, p = its stream position as JSON text}, f = {d, at} once the deadline at d fired (at = when it was first claimed),
 * r = the last few resolution records, newest last (so a redelivered resolving event repeats it).
 */
const STATE_HELPERS = `${LUA_HELPERS}
local KEPT = 8

-- Stored evidence keeps the position as JSON text; records carry it decoded.
local function evidence(e)
  return { id = e.id, time = e.time, position = cjson.decode(e.p) }
end

-- Every scope's state, read with one HMGET per 500 scopes; false for a scope with none.
local function load_states(state_key, scopes)
  local states = {}
  for i = 1, #scopes, 500 do
    local chunk = { unpack(scopes, i, math.min(i + 499, #scopes)) }
    local raws = redis.call('HMGET', state_key, unpack(chunk))
    for j, scope in ipairs(chunk) do states[scope] = raws[j] and cjson.decode(raws[j]) or false end
  end
  return states
end
`;

/**
 * ARM — KEYS: 1 due (zset: scope -> due ms, or lease expiry while a firing is claimed), 2 state.
 * ARGV: 1 detected-at ms, 2 the items as JSON: [op ('a' arm, 'i' arm only if the scope has no
 *       timer), scope, event id, event time ms, position JSON text, due ms], in stream order.
 * Replies (sparse, as (item index, reply) pairs): {'armed'} | {'resolved', record} |
 *   {'replayed', record}; nothing for an item that changed nothing.
 * Only an event newer (in event time) than the one that armed the timer re-arms it, so events in any
 * order leave the same deadline: the newest event's time plus its allowance. Each scope is read and
 * written once per call.
 */
export const DEADLINE_ARM_LUA = `${STATE_HELPERS}
local due_key, state_key = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local items = cjson.decode(ARGV[2])
local scopes, seen = {}, {}
for _, item in ipairs(items) do
  if not seen[item[2]] then seen[item[2]] = true; scopes[#scopes + 1] = item[2] end
end
local states = load_states(state_key, scopes)
local dirty, out = {}, {}
for n, item in ipairs(items) do
  local op, scope, id, t = item[1], item[2], item[3], item[4]
  local s = states[scope]
  local earlier
  if s then for _, r in ipairs(s.r or {}) do if r.trigger == id then earlier = r end end end
  if earlier then
    out[#out + 1] = n; out[#out + 1] = { 'replayed', cjson.encode(earlier) }
  elseif not (s and (op == 'i' or t <= s.a)) then
    local ev = { id = id, time = t, p = item[5] }
    local ns = { a = t, d = item[6], e = ev, r = s and s.r or {} }
    if s and s.f then
      local record = {
        trigger = id, at = t, detectedAt = now, due = s.f.d, firedAt = s.f.at, armedAt = s.a,
        evidence = { evidence(s.e), evidence(ev) },
      }
      ns.r[#ns.r + 1] = record
      if #ns.r > KEPT then table.remove(ns.r, 1) end
      out[#out + 1] = n; out[#out + 1] = { 'resolved', cjson.encode(record) }
    else
      out[#out + 1] = n; out[#out + 1] = { 'armed' }
    end
    if not dirty[scope] then dirty[scope] = true; dirty[#dirty + 1] = scope end
    states[scope] = ns
  end
end
for i = 1, #dirty, 250 do
  local fields, scores = {}, {}
  for j = i, math.min(i + 249, #dirty) do
    local scope = dirty[j]
    fields[#fields + 1] = scope; fields[#fields + 1] = cjson.encode(states[scope])
    scores[#scores + 1] = num(states[scope].d); scores[#scores + 1] = scope
  end
  redis.call('HSET', state_key, unpack(fields))
  redis.call('ZADD', due_key, unpack(scores))
end
return out
`;

/**
 * TICK — KEYS: 1 due, 2 state. ARGV: 1 now ms, 2 lease ms, 3 most firings to claim.
 * Claims every deadline due at `now`: marks it fired (first claim only: a re-claim after an expired
 * lease repeats the first claim's record) and pushes its score to now + lease, so a concurrent tick
 * skips it. Replies: firing records as JSON {scope, due, armedAt, detectedAt, evidence}.
 */
export const DEADLINE_TICK_LUA = `${STATE_HELPERS}
local due_key, state_key = KEYS[1], KEYS[2]
local now, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
local members = redis.call('ZRANGEBYSCORE', due_key, '-inf', num(now), 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, scope in ipairs(members) do
  local raw = redis.call('HGET', state_key, scope)
  if not raw then
    redis.call('ZREM', due_key, scope)
  else
    local s = cjson.decode(raw)
    if not s.f or s.f.d ~= s.d then
      s.f = { d = s.d, at = now }
      redis.call('HSET', state_key, scope, cjson.encode(s))
    end
    redis.call('ZADD', due_key, num(now + lease), scope)
    out[#out + 1] = cjson.encode({
      scope = scope, due = s.d, armedAt = s.a, detectedAt = s.f.at, evidence = evidence(s.e),
    })
  end
end
return out
`;

/**
 * COMMIT — KEYS: 1 due, 2 state. ARGV: pairs of scope, due ms of a firing that is now durable.
 * Drops the claimed deadline unless an event re-armed the scope meanwhile (its new deadline stays).
 */
export const DEADLINE_COMMIT_LUA = `
local due_key, state_key = KEYS[1], KEYS[2]
for i = 1, #ARGV, 2 do
  local raw = redis.call('HGET', state_key, ARGV[i])
  local s = raw and cjson.decode(raw)
  if not s or (s.f and s.f.d == s.d and s.d == tonumber(ARGV[i + 1])) then
    redis.call('ZREM', due_key, ARGV[i])
  end
end
return 1
`;
