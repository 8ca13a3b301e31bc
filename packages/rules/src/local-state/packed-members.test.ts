import { describe, expect, test } from '../../../../test/fixtures/services';
import { PackedMembers } from './packed-members';
import { SortedMembers } from './sorted-members';

/** A small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const ALPHABET = ['a', 'b', 'z', 'é', '\uff01', '\u{1f600}', '\u0000', '-', '9'];

function member(next: () => number): string {
  const length = 1 + Math.floor(next() * (next() < 0.05 ? 300 : 6));
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

describe('members packed outside the heap', () => {
  test('rank, look up, move and cut exactly as the sorted set on the heap does, through growth and reuse', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      const packed = new PackedMembers();
      const sorted = new SortedMembers();
      const known: string[] = [];
      for (let step = 0; step < 6_000; step++) {
        const roll = next();
        if (roll < 0.6) {
          // Mostly rising scores, as trimmed ids arrive; some ties and some moves of known members.
          const name =
            known.length > 0 && next() < 0.2 ? known[Math.floor(next() * known.length)]! : member(next);
          const score = Math.floor(step / 3) - (next() < 0.1 ? Math.floor(next() * 50) : 0);
          packed.add(score, name);
          sorted.add(score, name);
          known.push(name);
        } else if (roll < 0.9) {
          const name =
            next() < 0.7 && known.length > 0 ? known[Math.floor(next() * known.length)]! : member(next);
          expect(packed.score(name)).toBe(sorted.score(name));
        } else {
          const keep = Math.floor(next() * (sorted.size + 5));
          expect(packed.keepHighest(keep)).toEqual(sorted.keepHighest(keep));
        }
        expect(packed.size).toBe(sorted.size);
      }
      expect(packed.entries()).toEqual(sorted.range(-Infinity, Infinity));
    }
  });

  test('a rolling set, as a busy scope keeps its newest counted ids, stays the newest in order', () => {
    const packed = new PackedMembers();
    const sorted = new SortedMembers();
    for (let i = 0; i < 20_000; i++) {
      const name = `okta:${(i * 7919) % 100_003}`;
      packed.add(i >> 2, name);
      sorted.add(i >> 2, name);
      if (i % 7 === 0) expect(packed.keepHighest(300)).toEqual(sorted.keepHighest(300));
      if (i % 997 === 0) expect(packed.entries()).toEqual(sorted.range(-Infinity, Infinity));
    }
    expect(packed.score('okta:7919')).toBeUndefined();
    expect(packed.score(`okta:${(19_999 * 7919) % 100_003}`)).toBe(19_999 >> 2);
  });

  test('members are their UTF-8 bytes, as in Redis: lone surrogates are U+FFFD and ties rank by bytes', async ({
    redis,
    uid,
  }) => {
    const packed = new PackedMembers();
    packed.add(1, 'x\ud800');
    packed.add(2, 'x\udfff');
    expect(packed.size).toBe(1);
    expect(packed.score('x\ufffd')).toBe(2);
    const key = `${uid}:packed-members`;
    await redis.zadd(key, 1, 'x\ud800', 2, 'x\udfff');
    expect(await redis.zrange(key, 0, -1, 'WITHSCORES')).toEqual(['x\ufffd', '2']);

    const names = ['b', '\uff01', '\u{1f600}', 'a', 'ab', '\u0000', ''];
    for (const name of names) {
      packed.add(5, name);
      await redis.zadd(key, 5, name);
    }
    expect(packed.entries().map(([name]) => name)).toEqual(
      (await redis.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 0),
    );
  });
});
