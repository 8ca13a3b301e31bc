/**
 * A per-subject sequence "begin, then observe, with no end between" for one rule: every subject in
 * one hash (one hash tag), so one call per batch carries every item of the batch, in stream order.
 *
 * A subject's state (JSON): b = event time of the latest begin, be = that event ({id, time, p = its
 * stream position as JSON text}),
 * e = event time of the latest end, f = the record of the episode's firing, h = the records of the
 * last few earlier episodes' firings (so their events, redelivered, repeat them too).
 *
 * KEYS: 1 state (hash: subject -> JSON).
 * ARGV: 1 detected-at ms, 2 the items as JSON: [op ('b' begin, 'e' end, 'o' observe), subject,
 *       event id, event time ms, position JSON text], in stream order; with a detector's index of
 *       the subjects (see sequence-subjects.ts): 3 the state's version the index holds ('' for
 *       unchecked), 4 '1' to send the subjects back.
 * Replies (sparse, as (item index, reply) pairs): {'begun'} | {'ended'} | {'fired', record} |
 *   {'replayed', record}; nothing for an item that changed nothing. With ARGV 3, item index 0 is the
 *   group's: {'stale'} (the state is at another version than the index: nothing was done), or
 *   {'version', the version after the call[, {fields}]}. The version is the hash's epoch (a field
 *   named NUL + 'epoch', set from the server's clock when a call first writes the hash; no subject can
 *   hold a NUL) and its number of fields. Subjects are never removed, so the count moves only when
 *   one is added, and a hash lost with Redis and filled again gets another epoch.
 *
 * Event time decides: an observation fires when the latest begin is before it and no end lies
 * between the two; a begin or end older than the latest one of its kind changes nothing. One episode
 * (one begin) fires once; the firing event, redelivered, gets its record back. Each subject is read
 * once (subjects never seen cost one HMGET slot) and written once per call.
 */
export const SEQUENCE_LUA = `
local state_key = KEYS[1]
local now = tonumber(ARGV[1])
local items = cjson.decode(ARGV[2])
local KEPT = 8
local checked, want_subjects = ARGV[3], ARGV[4] == '1'
local EPOCH = '\\0epoch'
local function version()
  return (redis.call('HGET', state_key, EPOCH) or '') .. '/' .. redis.call('HLEN', state_key)
end
if checked and checked ~= '' and version() ~= checked then
  return { 0, { 'stale' } }
end

local subjects, seen = {}, {}
for _, item in ipairs(items) do
  if not seen[item[2]] then seen[item[2]] = true; subjects[#subjects + 1] = item[2] end
end
local states = {}
for i = 1, #subjects, 500 do
  local chunk = { unpack(subjects, i, math.min(i + 499, #subjects)) }
  local raws = redis.call('HMGET', state_key, unpack(chunk))
  for j, subject in ipairs(chunk) do states[subject] = raws[j] and cjson.decode(raws[j]) or false end
end

local function earlier_firing(s, id)
  if s.f and s.f.trigger == id then return s.f end
  for _, f in ipairs(s.h or {}) do if f.trigger == id then return f end end
  return nil
end

local dirty, out = {}, {}
local function touch(subject)
  if not dirty[subject] then dirty[subject] = true; dirty[#dirty + 1] = subject end
end
for n, item in ipairs(items) do
  local op, subject, id, t = item[1], item[2], item[3], item[4]
  local s = states[subject]
  local fired = s and earlier_firing(s, id)
  if fired then
    out[#out + 1] = n; out[#out + 1] = { 'replayed', cjson.encode(fired) }
  elseif op == 'b' then
    if not (s and ((s.b and t <= s.b) or (s.e and t <= s.e))) then
      s = s or {}
      if s.f then
        s.h = s.h or {}
        s.h[#s.h + 1] = s.f
        if #s.h > KEPT then table.remove(s.h, 1) end
      end
      s.b, s.f = t, nil
      s.be = { id = id, time = t, p = item[5] }
      states[subject] = s
      touch(subject)
      out[#out + 1] = n; out[#out + 1] = { 'begun' }
    end
  elseif op == 'e' then
    if s and not (s.e and t <= s.e) then
      s.e = t
      touch(subject)
      out[#out + 1] = n; out[#out + 1] = { 'ended' }
    end
  elseif s and s.b and not s.f and s.b < t and not (s.e and s.e >= s.b and s.e <= t) then
    s.f = {
      trigger = id, at = t, detectedAt = now, begunAt = s.b,
      evidence = {
        { id = s.be.id, time = s.be.time, position = cjson.decode(s.be.p) },
        { id = id, time = t, position = cjson.decode(item[5]) },
      },
    }
    touch(subject)
    out[#out + 1] = n; out[#out + 1] = { 'fired', cjson.encode(s.f) }
  end
end
if #dirty > 0 and redis.call('HEXISTS', state_key, EPOCH) == 0 then
  local now_at = redis.call('TIME')
  redis.call('HSET', state_key, EPOCH, now_at[1] .. '.' .. now_at[2])
end
for i = 1, #dirty, 250 do
  local fields = {}
  for j = i, math.min(i + 249, #dirty) do
    fields[#fields + 1] = dirty[j]; fields[#fields + 1] = cjson.encode(states[dirty[j]])
  end
  redis.call('HSET', state_key, unpack(fields))
end
if checked then
  out[#out + 1] = 0
  out[#out + 1] = { 'version', version(), want_subjects and redis.call('HKEYS', state_key) or nil }
end
return out
`;
