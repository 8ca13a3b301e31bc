import { describe, expect, it } from 'vitest';
import { Duration, formatDuration } from './duration';

describe('Duration', () => {
  it.each([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1500ms', 1_500],
    [' 5m ', 300_000],
    [250, 250],
  ])('reads %j as %d ms', (input, ms) => {
    expect(Duration.parse(input)).toBe(ms);
  });

  it.each(['10 minutes', '-5m', '0s', '1.5h', '', 'm'])(
    'rejects %j with a message saying what is expected',
    (input) => {
      const result = Duration.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('expected a duration such as 90s, 10m');
    },
  );

  it.each([0, -1, 1.5])('rejects %d ms', (input) => {
    expect(Duration.safeParse(input).success).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [600_000, '10m'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
    [86_400_000, '1d'],
    [1_500, '1500ms'],
    [0, '0ms'],
  ])('%d ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
