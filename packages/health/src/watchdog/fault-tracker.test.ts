import { describe, expect, it } from 'vitest';
import { FaultTracker } from './fault-tracker';

const MIN = 60_000;

describe('FaultTracker', () => {
  it('raises once a condition has held for its duration, once per episode, and resolves after a healthy spell', () => {
    const tracker = new FaultTracker({ resolveAfterMs: 2 * MIN, maxRaisesPerHour: 10 });
    expect(tracker.observe('lag', true, 0, 5 * MIN)).toBeNull();
    expect(tracker.observe('lag', true, 4 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('lag', true, 5 * MIN, 5 * MIN)).toBe('raise');
    tracker.confirm('lag', 'raise', 5 * MIN);
    expect(tracker.observe('lag', true, 6 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('lag', false, 7 * MIN, 5 * MIN)).toBeNull();
    // Flapping back within the healthy spell keeps the same incident.
    expect(tracker.observe('lag', true, 8 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('lag', false, 9 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('lag', false, 11 * MIN, 5 * MIN)).toBe('resolve');
    tracker.confirm('lag', 'resolve', 11 * MIN);
    expect(tracker.raisedIds()).toEqual([]);
  });

  it('forgets a condition that cleared before it was raised', () => {
    const tracker = new FaultTracker({ resolveAfterMs: MIN, maxRaisesPerHour: 10 });
    tracker.observe('stall', true, 0, 5 * MIN);
    tracker.observe('stall', false, MIN, 5 * MIN);
    expect(tracker.observe('stall', true, 2 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('stall', true, 6 * MIN, 5 * MIN)).toBeNull();
    expect(tracker.observe('stall', true, 7 * MIN, 5 * MIN)).toBe('raise');
  });

  it('asks again for a raise that was not written, and caps raises per hour', () => {
    const tracker = new FaultTracker({ resolveAfterMs: MIN, maxRaisesPerHour: 2 });
    expect(tracker.observe('a', true, 0, 0)).toBe('raise');
    expect(tracker.observe('a', true, 1000, 0)).toBe('raise');
    tracker.confirm('a', 'raise', 1000);
    expect(tracker.observe('b', true, 1000, 0)).toBe('raise');
    expect(tracker.observe('c', true, 1000, 0)).toBe('suppressed');
    tracker.confirm('b', 'raise', 1000);
    expect(tracker.observe('c', true, 3_601_000, 0)).toBe('raise');
  });
});
