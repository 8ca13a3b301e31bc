import { OCSF_CLASS_BY_KIND, type VigilEvent } from '@vigil/schema';
import { describe, expect, test } from '../../../../test/fixtures/services';
import { runBacktest, readEventLines } from './backtest';
import { loadRulesDirectory } from './rules-directory';

function failure(n: number, minute: number): VigilEvent {
  const time = new Date(Date.UTC(2026, 10, 2, 9, minute)).toISOString();
  return {
    id: `aws:bt${n}`,
    source: 'aws',
    kind: 'authentication',
    action: 'ConsoleLogin',
    ocsfClassUid: OCSF_CLASS_BY_KIND.authentication,
    time,
    receivedAt: time,
    entity: { type: 'user', id: `u${n}@example.com` },
    outcome: 'failure',
    actor: { user: `u${n}@example.com`, ip: '203.0.113.50' },
    attributes: { 'vigil.interface': 'console' },
    raw: null,
  };
}

describe('rules backtest', () => {
  test('replays recorded events in event time and prints what would have fired', async ({ redis, uid }) => {
    const { rules } = loadRulesDirectory('config/rules.d');
    // Two bursts of five failures an hour apart from one address: two firings, not one.
    const events = [0, 1, 2, 3, 4, 60, 61, 62, 63, 64].map((minute, n) => failure(n, minute));
    const lines = events.map((e) => JSON.stringify(e)).join('\n');
    const result = await runBacktest(rules, readEventLines(lines, 'events.jsonl'), {
      redis,
      keyPrefix: `${uid}:`,
      batchSize: 3,
    });
    expect(result.events).toBe(10);
    expect(result.detections.map((d) => [d.ruleId, d.evidence.at(-1)?.eventId])).toEqual([
      ['acme.console-failures-per-ip', 'aws:bt4'],
      ['acme.console-failures-per-ip', 'aws:bt9'],
    ]);
    expect(result.late).toEqual([]);
  });

  test('names the line of a recorded event that is not a normalised event', () => {
    expect(() => readEventLines('{"id":"x"}\nnot json\n', 'events.jsonl')).toThrow(
      /events\.jsonl:1: not a normalised event[\s\S]*events\.jsonl:2: not JSON/,
    );
  });
});
