import { describe, expect, test } from 'vitest';
import { LruMap } from './lru-map';

describe('LruMap', () => {
  test('forgets the least recently used first; a read or a new value makes an entry the newest', () => {
    const evicted: string[] = [];
    const map = new LruMap<string, number>(3, (key) => evicted.push(key));
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1);
    map.set('b', 20);
    map.set('d', 4);
    expect(evicted).toEqual(['c']);
    map.set('e', 5);
    expect(evicted).toEqual(['c', 'a']);
    expect([map.get('a'), map.get('b'), map.get('c'), map.get('d'), map.get('e')]).toEqual([
      undefined,
      20,
      undefined,
      4,
      5,
    ]);
    expect(map.size).toBe(3);
  });

  test('delete forgets without telling; capacity holds over many rounds', () => {
    const evicted: number[] = [];
    const map = new LruMap<number, number>(100, (key) => evicted.push(key));
    expect(map.delete(1)).toBe(false);
    map.set(1, 1);
    expect(map.delete(1)).toBe(true);
    expect(map.get(1)).toBeUndefined();
    for (let i = 0; i < 10_000; i++) map.set(i, i);
    expect(map.size).toBe(100);
    expect(evicted).toHaveLength(9_900);
    expect(evicted.slice(0, 3)).toEqual([0, 1, 2]);
    expect(map.get(9_999)).toBe(9_999);
    expect(map.get(9_899)).toBeUndefined();
  });
});
