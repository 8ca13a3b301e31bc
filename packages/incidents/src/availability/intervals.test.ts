import { describe, expect, it } from 'vitest';
import { clip, normalise, subtract, totalMs } from './intervals';

const iv = (start: number, end: number) => ({ start, end });

describe('normalise', () => {
  it('sorts, merges overlapping and touching intervals, drops empty ones', () => {
    expect(normalise([iv(50, 60), iv(0, 10), iv(5, 20), iv(20, 30), iv(40, 40), iv(45, 44)])).toEqual([
      iv(0, 30),
      iv(50, 60),
    ]);
  });

  it('keeps one interval inside another as the outer one', () => {
    expect(normalise([iv(0, 100), iv(10, 20)])).toEqual([iv(0, 100)]);
  });

  it('does not change its input', () => {
    const input = [iv(5, 20), iv(0, 10)];
    normalise(input);
    expect(input).toEqual([iv(5, 20), iv(0, 10)]);
  });
});

describe('clip', () => {
  it('cuts intervals spanning either edge of the bounds and drops those outside', () => {
    expect(clip([iv(-10, 5), iv(20, 30), iv(95, 120), iv(200, 300)], iv(0, 100))).toEqual([
      iv(0, 5),
      iv(20, 30),
      iv(95, 100),
    ]);
  });

  it('an interval covering the whole bounds is the bounds', () => {
    expect(clip([iv(-1000, 1000)], iv(0, 100))).toEqual([iv(0, 100)]);
  });
});

describe('subtract', () => {
  it('a cut inside an interval splits it in two', () => {
    expect(subtract([iv(0, 100)], [iv(40, 60)])).toEqual([iv(0, 40), iv(60, 100)]);
  });

  it('a cut over the start or the end shortens it; a covering cut removes it', () => {
    expect(subtract([iv(0, 100)], [iv(-10, 30)])).toEqual([iv(30, 100)]);
    expect(subtract([iv(0, 100)], [iv(70, 130)])).toEqual([iv(0, 70)]);
    expect(subtract([iv(0, 100)], [iv(0, 100)])).toEqual([]);
  });

  it('several cuts across several intervals, overlapping cuts merged first', () => {
    expect(subtract([iv(0, 50), iv(100, 200)], [iv(10, 20), iv(15, 25), iv(45, 110), iv(150, 160)])).toEqual([
      iv(0, 10),
      iv(25, 45),
      iv(110, 150),
      iv(160, 200),
    ]);
  });

  it('cuts that miss change nothing', () => {
    expect(subtract([iv(10, 20)], [iv(0, 10), iv(20, 30)])).toEqual([iv(10, 20)]);
  });
});

describe('totalMs', () => {
  it('counts overlapping time once', () => {
    expect(totalMs([iv(0, 60), iv(30, 90), iv(100, 110)])).toBe(100);
    expect(totalMs([])).toBe(0);
  });
});
