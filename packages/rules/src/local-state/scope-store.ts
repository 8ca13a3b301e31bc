import type { Redis } from 'ioredis';
import { replyStrings, type LuaScript, type RedisBatch } from '../redis-batch';
import type { ScopeChanges } from './scope-changes';

/**
 * Where the in-process window ports keep their scopes durable: one Redis hash per scope (its fields as
 * `scope-changes.ts` names them) with a version, 'v', that every write checks and moves on. A detector
 * writes what a batch changed before it commits the batch; a write made against a version that has moved
 * since (another detector took the partition and wrote) changes nothing and reports the scope stale, so
 * the old owner can drop what it holds instead of overwriting the new one's state. Idle scopes expire
 * with their hash.
 *
 * KEYS: 1 the scope's hash. ARGV: 1 the version the writer holds ('' for a scope it found empty), 2 TTL
 * ms, 3 how many fields to set, then those field-value pairs, then the fields to delete.
 * Replies: {'ok', new version} | {'stale', the version found ('' for none)}.
 */
const SCOPE_WRITE_LUA = `
local found = redis.call('HGET', KEYS[1], 'v')
if (found or '') ~= ARGV[1] then return { 'stale', found or '' } end
local version = (tonumber(found) or 0) + 1
local sets = tonumber(ARGV[3])
local update = { 'v', version }
for i = 4, 3 + 2 * sets do update[#update + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(update))
local dels = {}
for i = 4 + 2 * sets, #ARGV do dels[#dels + 1] = ARGV[i] end
for i = 1, #dels, 500 do redis.call('HDEL', KEYS[1], unpack(dels, i, math.min(i + 499, #dels))) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return { 'ok', tostring(version) }
`;

export const SCOPE_WRITE_SCRIPT: LuaScript = {
  name: 'vigilScopeWrite',
  numberOfKeys: 1,
  lua: SCOPE_WRITE_LUA,
};

export type ScopeWriteResult = { kind: 'ok'; version: string } | { kind: 'stale'; found: string };

/** Queues one scope's changes on `batch`, against the version the writer holds ('' for none). */
export function writeScope(
  batch: RedisBatch,
  key: string,
  version: string,
  changes: ScopeChanges,
  ttlMs: number,
): Promise<ScopeWriteResult> {
  const args: string[] = [version, String(ttlMs), String(changes.set.length)];
  for (const [field, value] of changes.set) args.push(field, value);
  args.push(...changes.del);
  return batch.run(SCOPE_WRITE_SCRIPT, [key], args, (reply) => {
    const [kind, value] = replyStrings(reply, SCOPE_WRITE_SCRIPT.name);
    if (kind === 'ok') return { kind, version: value ?? '' };
    if (kind === 'stale') return { kind, found: value ?? '' };
    throw new Error(`${SCOPE_WRITE_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  });
}

/** A scope's fields as written, and its version ('' when nothing is stored). */
export async function readScope(
  redis: Redis,
  key: string,
): Promise<{ version: string; fields: Array<[string, string]> }> {
  const hash = await redis.hgetall(key);
  const { v: version = '', ...fields } = hash;
  return { version, fields: Object.entries(fields) };
}
