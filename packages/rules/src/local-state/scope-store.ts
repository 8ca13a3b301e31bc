import type { Redis } from 'ioredis';
import { replyStrings, type LuaScript, type RedisBatch } from '../redis-batch';
import type { ScopeChanges } from './scope-changes';

/**
 * Where the in-process window ports keep their scopes durable: one Redis hash per scope (its fields as
 * `scope-changes.ts` names them) with a version, 'v', that every write checks and moves on. A detector
 * writes what a batch changed before it commits the batch, every scope of the batch in one call; a
 * scope's write made against a version that has moved since (another detector took the partition and
 * wrote) changes nothing of that scope and reports it stale, so the old owner can drop what it holds
 * instead of overwriting the new one's state. Idle scopes expire with their hash.
 *
 * The scopes of one call are keys of different hash slots: a clustered Redis would need the call split
 * by slot.
 *
 * KEYS: the scopes' hashes. ARGV, for each key in turn: the version the writer holds ('' for a scope it
 * found empty), TTL ms (0: leave it; never shortened, so a crossing's record keeps its longer life through a
 * writer that did not see the crossing), how many fields to set, how many to delete, then the field-value
 * pairs to set and the fields to delete.
 * Replies: for each key, 'ok' and its new version, or 'stale' and the version found ('' for none).
 */
const SCOPE_WRITE_LUA = `
local replies = {}
local at = 1
for k = 1, #KEYS do
  local held, ttl, sets, dels = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local first = at + 4
  at = first + 2 * sets + dels
  local found = redis.call('HGET', KEYS[k], 'v')
  if (found or '') ~= held then
    replies[#replies + 1] = 'stale'; replies[#replies + 1] = found or ''
  else
    local version = (tonumber(found) or 0) + 1
    local update = { 'v', version }
    for i = first, first + 2 * sets - 1 do update[#update + 1] = ARGV[i] end
    redis.call('HSET', KEYS[k], unpack(update))
    local gone = {}
    for i = first + 2 * sets, at - 1 do gone[#gone + 1] = ARGV[i] end
    for i = 1, #gone, 500 do redis.call('HDEL', KEYS[k], unpack(gone, i, math.min(i + 499, #gone))) end
    if ttl > 0 and redis.call('PTTL', KEYS[k]) < ttl then redis.call('PEXPIRE', KEYS[k], ttl) end
    replies[#replies + 1] = 'ok'; replies[#replies + 1] = tostring(version)
  end
end
return replies
`;

export const SCOPE_WRITE_SCRIPT: LuaScript = {
  name: 'vigilScopeWrite',
  numberOfKeys: 'any',
  lua: SCOPE_WRITE_LUA,
};

export type ScopeWriteResult = { kind: 'ok'; version: string } | { kind: 'stale'; found: string };

export interface ScopeWrite {
  key: string;
  /** The version the writer holds ('' for none). */
  version: string;
  changes: ScopeChanges;
  /** How long the hash outlives this write; 0 leaves its expiry as it is. */
  ttlMs: number;
}

/** Scopes per call: one call must not hold Redis for long. */
const SCOPES_PER_CALL = 200;

/** Queues the writes on `batch`, in calls of up to `SCOPES_PER_CALL` scopes; each gets its result. */
export function writeScopes(batch: RedisBatch, writes: readonly ScopeWrite[]): Promise<ScopeWriteResult[]> {
  const calls: Array<Promise<ScopeWriteResult[]>> = [];
  for (let i = 0; i < writes.length; i += SCOPES_PER_CALL) {
    const group = writes.slice(i, i + SCOPES_PER_CALL);
    const args: string[] = [];
    for (const { version, changes, ttlMs } of group) {
      args.push(version, String(ttlMs), String(changes.set.length), String(changes.del.length));
      for (const [field, value] of changes.set) args.push(field, value);
      args.push(...changes.del);
    }
    calls.push(
      batch.run(
        SCOPE_WRITE_SCRIPT,
        group.map((w) => w.key),
        args,
        parseWrites,
      ),
    );
  }
  return Promise.all(calls).then((parts) => parts.flat());
}

function parseWrites(reply: unknown): ScopeWriteResult[] {
  const parts = replyStrings(reply, SCOPE_WRITE_SCRIPT.name);
  const results: ScopeWriteResult[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const kind = parts[i];
    const value = parts[i + 1] ?? '';
    if (kind === 'ok') results.push({ kind, version: value });
    else if (kind === 'stale') results.push({ kind, found: value });
    else throw new Error(`${SCOPE_WRITE_SCRIPT.name}: unknown reply ${JSON.stringify(reply)}`);
  }
  return results;
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
