import type { Redis } from 'ioredis';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { COUNT_IN_WINDOW_SCRIPT, countInWindow, parseCountInWindowReply } from '../count-in-window';
import { DISTINCT_COUNT_SCRIPT, distinctCount, parseDistinctCountReply } from '../distinct-count';
import { encodePosition, type Observed, type StreamPosition } from '../evidence';
import { RedisBatch } from '../redis-batch';
import { scopeKeys, type ScopeKeys } from '../state-keys';
import type { WindowReply } from '../window-reply';
import type { ScopeChanges } from './scope-changes';
import { SCOPE_WRITE_SCRIPT, readScope, writeScopes } from './scope-store';
import { LocalCountInWindow } from './local-count-in-window';
import { LocalDistinctCount } from './local-distinct-count';
import { SortedMembers, compareBytes } from './sorted-members';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 24 * 60 * MINUTE;
const STEP = 15_000;

interface Sent {
  scope: string;
  id: string;
  time: number;
  offset: number;
  value: string;
}

interface Settings {
  windowMs: number;
  latenessMs: number;
  threshold: number;
  maxEvidence: number;
  countedKept: number;
}

/** One event's call, as both sides take it. */
interface Call extends Settings {
  eventId: string;
  eventTimeMs: number;
  position: StreamPosition;
  observed: Observed;
  value: string;
  nowMs: number;
}

/** A windowed primitive on both sides: the Redis script through its caller, and the port. */
interface Primitive<R> {
  remote(batch: RedisBatch, keys: ScopeKeys, call: Call): Promise<R>;
  local(scope: string, call: Call): R;
  dropReplay(scope: string, eventId: string): void;
  /** Called once a batch is done, its markers dropped. */
  afterBatch?(): Promise<void>;
}

/** A primitive both ways: `run` through its Redis caller, `port` with the position as the JSON it stores. */
function bothWays<R, LocalCall>(
  run: (
    batch: RedisBatch,
    input: Call & { keys: ScopeKeys; stateTtlMs: number; replayTtlMs: number },
  ) => Promise<R>,
  port: { add(scope: string, call: LocalCall): string[]; dropReplay(scope: string, eventId: string): void },
  parse: (reply: unknown) => R,
): Primitive<R> {
  return {
    remote: (batch, keys, call) => run(batch, { ...call, keys, stateTtlMs: 30 * DAY, replayTtlMs: 30 * DAY }),
    local: (scope, call) =>
      parse(
        port.add(scope, { ...call, position: encodePosition(call.position, call.observed) } as LocalCall),
      ),
    dropReplay: (scope, id) => port.dropReplay(scope, id),
  };
}

const countInWindowBothWays = (port = new LocalCountInWindow()) =>
  bothWays(countInWindow, port, parseCountInWindowReply);
const distinctCountBothWays = (port = new LocalDistinctCount()) =>
  bothWays(distinctCount, port, parseDistinctCountReply);

/** What a port needs to be written back and restarted. */
interface Restartable {
  add(scope: string, call: never): string[];
  dropReplay(scope: string, eventId: string): void;
  takeChangesOf(scopes: readonly string[]): ScopeChanges[];
  restore(scope: string, fields: Iterable<[string, string]>): void;
}

/** Where a restarting port writes its scopes, and reads them back. */
interface Store {
  write(changes: Map<string, ScopeChanges>): Promise<void>;
  readAll(): Promise<Array<[string, Iterable<[string, string]>]>>;
}

/** Fields per scope in memory, as a hash per scope would hold them. */
function memoryStore(): Store {
  const store = new Map<string, Map<string, string>>();
  return {
    write(changes) {
      for (const [scope, { set, del }] of changes) {
        const fields = store.get(scope) ?? new Map<string, string>();
        store.set(scope, fields);
        for (const [field, value] of set) fields.set(field, value);
        for (const field of del) fields.delete(field);
      }
      return Promise.resolve();
    },
    readAll: () => Promise.resolve([...store]),
  };
}

/** A hash per scope in Redis, written with the version fence; every write must find its version. */
function redisStore(redis: Redis, prefix: string): Store {
  const versions = new Map<string, string>();
  const key = (scope: string) => `${prefix}:local:{${scope}}`;
  return {
    async write(changes) {
      const batch = new RedisBatch(redis, [SCOPE_WRITE_SCRIPT]);
      const scopes = [...changes.keys()];
      const written = writeScopes(
        batch,
        [...changes].map(([scope, scopeChanges]) => ({
          key: key(scope),
          version: versions.get(scope) ?? '',
          changes: scopeChanges,
          ttlMs: DAY,
        })),
      );
      await batch.flush();
      (await written).forEach((result, i) => {
        if (result.kind !== 'ok') throw new Error(`${scopes[i]}: stale at ${result.found}`);
        versions.set(scopes[i]!, result.version);
      });
    },
    readAll: () =>
      Promise.all(
        [...versions.keys()].map(async (scope): Promise<[string, Iterable<[string, string]>]> => {
          const { version, fields } = await readScope(redis, key(scope));
          versions.set(scope, version);
          return [scope, fields];
        }),
      ),
  };
}

/**
 * `primitive`'s port, written to `store` after every batch, and now and then thrown away for a new one
 * restored from the store, as after a restart or a partition's move. It must go on answering as the
 * script does.
 */
function restarting<R, P extends Restartable>(
  primitive: (port: P) => Primitive<R>,
  makePort: () => P,
  store: Store,
  seed: number,
  restarts: { count: number },
): Primitive<R> {
  let port = makePort();
  let inner = primitive(port);
  const seen = new Set<string>();
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  return {
    remote: (batch, keys, call) => inner.remote(batch, keys, call),
    local: (scope, call) => {
      seen.add(scope);
      return inner.local(scope, call);
    },
    dropReplay: (scope, id) => inner.dropReplay(scope, id),
    async afterBatch() {
      const scopes = [...seen];
      const changes = port.takeChangesOf(scopes);
      await store.write(new Map(scopes.map((scope, i) => [scope, changes[i]!])));
      if (random() >= 0.3) return;
      port = makePort();
      for (const [scope, fields] of await store.readAll()) port.restore(scope, fields);
      inner = primitive(port);
      restarts.count++;
    },
  };
}

/**
 * The oracle is the Redis script itself: the same random calls go to it and to the port, batch by batch,
 * and every reply must parse to the same result. New events mostly in order, some late (up to twice the
 * lateness plus the window behind), redeliveries of earlier events, and burst markers dropped as the stage
 * drops them once a batch's detections are published. Times sit on a 15 s grid, so that events tie and
 * land exactly on window and trimming bounds.
 */
async function differential<R extends WindowReply<unknown>>(
  redis: Redis,
  uid: string,
  seed: number,
  rounds: number,
  settings: Settings,
  primitive: Primitive<R>,
): Promise<Map<string, number>> {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const scopes = ['user:a', 'user:b', 'user:ü東'];
  const values = Array.from({ length: 9 }, (_, i) => (i === 8 ? 'v\u{1f600}' : `v${i}`));
  const sent: Sent[] = [];
  let newest = T0;
  const markers: Array<{ scope: string; id: string }> = [];
  let offset = 0;
  const kinds = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    const batch = new RedisBatch(redis, [COUNT_IN_WINDOW_SCRIPT, DISTINCT_COUNT_SCRIPT]);
    const pending: Array<{ remote: Promise<R>; local: R; what: string }> = [];
    const size = 1 + Math.floor(random() * 40);
    for (let i = 0; i < size; i++) {
      const roll = random();
      let event: Sent;
      if (roll < 0.1 && sent.length > 0) {
        event = sent[Math.floor(random() * sent.length)]!; // a redelivery, same time, value and position
      } else {
        const late =
          roll < 0.25
            ? STEP * Math.floor((random() * (2 * settings.latenessMs + settings.windowMs)) / STEP)
            : 0;
        newest += STEP * Math.floor((random() * 2 * settings.windowMs) / settings.threshold / STEP);
        // Ids whose bytes order differently from their UTF-16 units, among plain ones.
        const id =
          random() < 0.05 ? `e\u{1f600}${offset}` : random() < 0.05 ? `e\uff01${offset}` : `e${offset}`;
        const scope = scopes[Math.floor(random() * scopes.length)]!;
        const value = values[Math.floor(random() * values.length)]!;
        event = { scope, id, time: newest - late, offset: offset++, value };
        sent.push(event);
      }
      const call: Call = {
        ...settings,
        eventId: event.id,
        eventTimeMs: event.time,
        position: { topic: 'vigil.events', partition: 3, offset: String(event.offset) },
        observed: { ip: `198.51.100.${event.offset % 7}` },
        value: event.value,
        nowMs: T0 + DAY,
      };
      const remote = primitive.remote(batch, scopeKeys(`${uid}:`, 'diff', event.scope), call);
      const local = primitive.local(event.scope, call);
      if (local.kind === 'counted' && local.burst) markers.push({ scope: event.scope, id: event.id });
      pending.push({
        remote,
        local,
        what: `seed ${seed} round ${round}: ${event.scope} ${event.id} ${event.value} at ${event.time - T0}`,
      });
    }
    await batch.flush();
    for (const p of pending) {
      const remote = await p.remote;
      expect(p.local, p.what).toEqual(remote);
      const kind =
        remote.kind === 'crossed' && remote.replayed
          ? 'replayed'
          : remote.kind === 'counted' && remote.burst
            ? 'burst'
            : remote.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    // Published: the batch's burst markers go, on both sides.
    if (random() < 0.7) {
      for (const { scope, id } of markers.splice(0)) {
        await redis.unlink(scopeKeys(`${uid}:`, 'diff', scope).replayRecord(id));
        primitive.dropReplay(scope, id);
      }
    }
    await primitive.afterBatch?.();
  }
  return kinds;
}

const RUNS = [
  { seed: 1, windowMs: 10 * MINUTE, latenessMs: 5 * MINUTE, threshold: 5, maxEvidence: 4, countedKept: 50 },
  {
    seed: 2,
    windowMs: 10 * MINUTE,
    latenessMs: 5 * MINUTE,
    threshold: 3,
    maxEvidence: 50,
    countedKept: 2_000,
  },
  // Lateness longer than the window: bursts older than the current episode.
  { seed: 3, windowMs: 2 * MINUTE, latenessMs: 9 * MINUTE, threshold: 4, maxEvidence: 3, countedKept: 10 },
  { seed: 4, windowMs: 8 * MINUTE, latenessMs: 0, threshold: 1, maxEvidence: 2, countedKept: 5 },
];

/** Every run of `RUNS` through both sides; every kind of reply must have been compared, many times each. */
async function allRuns<R extends WindowReply<unknown>>(
  redis: Redis,
  uid: string,
  make: () => Primitive<R>,
): Promise<void> {
  const seen = new Map<string, number>();
  for (const { seed, ...settings } of RUNS) {
    const kinds = await differential(redis, `${uid}-${seed}`, seed, 60, settings, make());
    for (const [kind, n] of kinds) seen.set(kind, (seen.get(kind) ?? 0) + n);
  }
  for (const kind of ['counted', 'burst', 'crossed', 'replayed', 'duplicate', 'late'])
    expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(20);
}

describe('windowed primitives in process', () => {
  test('count in window answers every call as the Redis script does: in order, late, redelivered, bursting, trimmed', async ({
    redis,
    uid,
  }) => {
    await allRuns(redis, uid, countInWindowBothWays);
  });

  test('distinct count answers every call as the Redis script does', async ({ redis, uid }) => {
    await allRuns(redis, uid, distinctCountBothWays);
  });

  test('written back after every batch and restarted from what was written, both still answer as the scripts do', async ({
    redis,
    uid,
  }) => {
    const restarts = { count: 0 };
    const count = () => new LocalCountInWindow();
    const distinct = () => new LocalDistinctCount();
    await allRuns(redis, `${uid}-c`, () =>
      restarting(countInWindowBothWays, count, memoryStore(), 7, restarts),
    );
    await allRuns(redis, `${uid}-d`, () =>
      restarting(distinctCountBothWays, distinct, memoryStore(), 8, restarts),
    );
    expect(restarts.count).toBeGreaterThan(100);
  });

  test('the same with each scope a hash in Redis, written behind its version fence', async ({
    redis,
    uid,
  }) => {
    const restarts = { count: 0 };
    let runs = 0; // each run its own hashes
    const count = () => new LocalCountInWindow();
    const distinct = () => new LocalDistinctCount();
    await allRuns(redis, `${uid}-c`, () =>
      restarting(countInWindowBothWays, count, redisStore(redis, `${uid}-cs-${(runs += 1)}`), 9, restarts),
    );
    await allRuns(redis, `${uid}-d`, () =>
      restarting(
        distinctCountBothWays,
        distinct,
        redisStore(redis, `${uid}-ds-${(runs += 1)}`),
        10,
        restarts,
      ),
    );
    expect(restarts.count).toBeGreaterThan(100);
  });

  test('a write against a version that moved on changes nothing and says stale', async ({ redis, uid }) => {
    const key = `${uid}:local:{user:a}`;
    const write = async (version: string, set: Array<[string, string]>) => {
      const batch = new RedisBatch(redis, [SCOPE_WRITE_SCRIPT]);
      // Beside another scope's write in the same call, which is not held back by this one's fence.
      const other = `${uid}:local:{user:b}`;
      const result = writeScopes(batch, [
        { key, version, changes: { set, del: [] }, ttlMs: DAY },
        {
          key: other,
          version: (await redis.hget(other, 'v')) ?? '',
          changes: { set: [['m', '{}']], del: [] },
          ttlMs: DAY,
        },
      ]);
      await batch.flush();
      const [mine, theirs] = await result;
      expect(theirs?.kind).toBe('ok');
      return mine;
    };
    expect(await write('', [['m', '{"n":1}']])).toEqual({ kind: 'ok', version: '1' });
    // The partition's new owner read version 1 and wrote; the old owner, still at 1, is refused.
    expect(await write('1', [['m', '{"n":2}']])).toEqual({ kind: 'ok', version: '2' });
    expect(
      await write('1', [
        ['m', '{"n":3}'],
        ['w:x', '5|{}'],
      ]),
    ).toEqual({ kind: 'stale', found: '2' });
    expect(await write('', [['m', '{"n":4}']])).toEqual({ kind: 'stale', found: '2' });
    expect(await readScope(redis, key)).toEqual({ version: '2', fields: [['m', '{"n":2}']] });
    expect(await redis.pttl(key)).toBeGreaterThan(DAY - 60_000);
  });

  test('many scopes in one write go in calls of a bounded size, each scope with its own result', async ({
    redis,
    uid,
  }) => {
    const batch = new RedisBatch(redis, [SCOPE_WRITE_SCRIPT]);
    const keys = Array.from({ length: 450 }, (_, i) => `${uid}:local:{user:${i}}`);
    await redis.hset(keys[300]!, 'v', '7');
    const written = writeScopes(
      batch,
      keys.map((key, i) => ({
        key,
        version: '',
        changes: { set: [['m', `{"n":${i}}`]], del: [] },
        ttlMs: DAY,
      })),
    );
    await batch.flush();
    const results = await written;
    expect(results).toHaveLength(450);
    expect(results.filter((r) => r.kind === 'ok')).toHaveLength(449);
    expect(results[300]).toEqual({ kind: 'stale', found: '7' });
    expect(await redis.hget(keys[449]!, 'm')).toBe('{"n":449}');
  });

  test('a sorted set orders ties by the members bytes, as Redis does', () => {
    const set = new SortedMembers();
    for (const member of ['b', '\uff01', '\u{1f600}', 'a', 'ab']) set.add(5, member);
    set.add(4, 'z');
    expect(set.range(0, 10).map(([m]) => m)).toEqual(['z', 'a', 'ab', 'b', '\uff01', '\u{1f600}']);
    expect(set.reverseRange(5, 5, 2).map(([m]) => m)).toEqual(['\u{1f600}', '\uff01']);
    expect(set.count(4, 4)).toBe(1);
    expect(set.removeBelow(5).map(([m]) => m)).toEqual(['z']);
    set.keepHighest(2);
    expect(set.range(-Infinity, Infinity).map(([m]) => m)).toEqual(['\uff01', '\u{1f600}']);
    expect(compareBytes('\uffff', '\u{10000}')).toBeLessThan(0);
    expect('\uffff' < '\u{10000}').toBe(false);
  });
});
