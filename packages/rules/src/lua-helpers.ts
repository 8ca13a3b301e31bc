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

local function evidence_entry(hash_key, field, id, time)
  local position = redis.call('HGET', hash_key, field)
  if not position then return nil end
  return { id = id, time = time, position = cjson.decode(position) }
end
`;
