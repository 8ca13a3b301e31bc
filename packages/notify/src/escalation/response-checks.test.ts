import { describe, expect, test } from 'vitest';
import { dueTimes } from '../incident-facts';
import { sampleIncident, sampleOutage } from '../testing/incident-samples';
import { checkTimer, escalationMoments, escalationText } from './response-checks';

const settings = { postmortemAfterMs: 5 * 24 * 3600 * 1000 };
const owner = {
  team: 'security',
  channel: '#sec',
  oncall: ['U0ONCALL1'],
  escalation: [
    { afterMinutes: 0, users: ['U0LEAD001'] },
    { afterMinutes: 0, users: ['U0LEAD001', 'U0LEAD002'] },
    { afterMinutes: 30, users: ['U0HEAD001'] },
  ],
};

describe('escalation moments', () => {
  test('the due time mentions the steps at 0 minutes; each later step is a moment of its own', () => {
    expect(escalationMoments('ack-overdue', owner)).toEqual([
      { afterMinutes: 0, users: ['U0LEAD001', 'U0LEAD002'] },
      { afterMinutes: 30, users: ['U0HEAD001'] },
    ]);
  });

  test('without steps at 0 minutes, or any chain, the on-call people are mentioned at the due time', () => {
    expect(
      escalationMoments('unresolved-overdue', {
        ...owner,
        escalation: [{ afterMinutes: 10, users: ['U0HEAD001'] }],
      }),
    ).toEqual([
      { afterMinutes: 0, users: ['U0ONCALL1'] },
      { afterMinutes: 10, users: ['U0HEAD001'] },
    ]);
    expect(escalationMoments('postmortem-overdue', owner)).toEqual([
      { afterMinutes: 0, users: ['U0ONCALL1'] },
    ]);
  });
});

describe('due times', () => {
  test("the incident's own, or from its severity: SEV1 15 m / 4 h, SEV2 30 m / 24 h, SEV3 4 h / 3 d, SEV4 24 h / 7 d", () => {
    const detectedAt = '2026-01-01T10:00:00.000Z';
    const hours = (severity: 'SEV1' | 'SEV2' | 'SEV3' | 'SEV4') => {
      const due = dueTimes(sampleIncident({ severity, detectedAt }));
      return [due.ackDueAt, due.resolveDueAt].map(
        (at) => (Date.parse(at) - Date.parse(detectedAt)) / 3_600_000,
      );
    };
    expect(hours('SEV1')).toEqual([0.25, 4]);
    expect(hours('SEV2')).toEqual([0.5, 24]);
    expect(hours('SEV3')).toEqual([4, 72]);
    expect(hours('SEV4')).toEqual([24, 168]);
    const own = {
      ...sampleIncident(),
      ackDueAt: '2026-01-01T10:05:00.000Z',
      resolveDueAt: '2026-01-01T11:00:00.000Z',
    };
    expect(dueTimes(own)).toEqual({ ackDueAt: own.ackDueAt, resolveDueAt: own.resolveDueAt });
  });
});

describe('checkTimer', () => {
  const due = Date.parse('2026-01-01T10:30:00.000Z');
  const open = {
    ...sampleIncident(),
    ackDueAt: '2026-01-01T10:30:00.000Z',
    resolveDueAt: '2026-01-02T10:00:00.000Z',
  };

  test('ack: overdue while open and unacknowledged; cleared by an acknowledgement, however late', () => {
    expect(checkTimer('ack-overdue', open, 0, due + 5_000, settings)).toEqual({
      state: 'overdue',
      dueAt: open.ackDueAt,
      overdueSeconds: 5,
    });
    expect(
      checkTimer(
        'ack-overdue',
        { ...open, status: 'acknowledged', acknowledgedAt: '2026-01-01T10:29:59.000Z' },
        0,
        due + 5_000,
        settings,
      ),
    ).toMatchObject({ state: 'cleared' });
    expect(
      checkTimer('ack-overdue', { ...open, status: 'dismissed' }, 0, due + 5_000, settings),
    ).toMatchObject({ state: 'cleared' });
    // Reopened after an acknowledgement: not owed again.
    expect(
      checkTimer(
        'ack-overdue',
        { ...open, acknowledgedAt: '2026-01-01T10:10:00.000Z' },
        0,
        due + 5_000,
        settings,
      ),
    ).toMatchObject({ state: 'cleared' });
  });

  test('a job that runs early, or a later step before its minutes, waits', () => {
    expect(checkTimer('ack-overdue', open, 0, due - 10_000, settings)).toEqual({ state: 'later', at: due });
    expect(checkTimer('ack-overdue', open, 30, due + 60_000, settings)).toEqual({
      state: 'later',
      at: due + 30 * 60_000,
    });
  });

  test('unresolved: overdue while open, acknowledged or contained', () => {
    const at = Date.parse(open.resolveDueAt) + 1_000;
    for (const status of ['open', 'acknowledged', 'contained'] as const)
      expect(checkTimer('unresolved-overdue', { ...open, status }, 0, at, settings).state).toBe('overdue');
    for (const status of ['resolved', 'closed', 'dismissed'] as const)
      expect(checkTimer('unresolved-overdue', { ...open, status }, 0, at, settings).state).toBe('cleared');
  });

  test('postmortem: SEV1/SEV2 resolved or closed, lacking root cause or link, N days after resolution', () => {
    const resolved = { ...sampleOutage({ status: 'resolved', resolvedAt: '2026-01-01T12:00:00.000Z' }) };
    const at = Date.parse('2026-01-06T12:00:01.000Z');
    expect(checkTimer('postmortem-overdue', resolved, 0, at, settings)).toEqual({
      state: 'overdue',
      dueAt: '2026-01-06T12:00:00.000Z',
      overdueSeconds: 1,
      missing: ['rootCause', 'postmortemUrl'],
    });
    expect(checkTimer('postmortem-overdue', { ...resolved, rootCause: 'x' }, 0, at, settings)).toMatchObject({
      state: 'overdue',
      missing: ['postmortemUrl'],
    });
    expect(
      checkTimer(
        'postmortem-overdue',
        { ...resolved, rootCause: 'x', postmortemUrl: 'https://pm' },
        0,
        at,
        settings,
      ).state,
    ).toBe('cleared');
    expect(checkTimer('postmortem-overdue', { ...resolved, severity: 'SEV3' }, 0, at, settings).state).toBe(
      'cleared',
    );
    expect(
      checkTimer('postmortem-overdue', { ...resolved, status: 'open', resolvedAt: null }, 0, at, settings)
        .state,
    ).toBe('cleared');
    // Resolved again later (after a reopen): the allowance counts from the latest resolution.
    expect(
      checkTimer(
        'postmortem-overdue',
        { ...resolved, resolvedAt: '2026-01-05T12:00:00.000Z' },
        0,
        at,
        settings,
      ),
    ).toEqual({
      state: 'later',
      at: Date.parse('2026-01-10T12:00:00.000Z'),
    });
  });
});

describe('vendor-notification-overdue', () => {
  const duty = { vendor: 'cloudflare', vendorName: 'Cloudflare', dueAt: '2026-01-01T11:00:00.000Z', contact: 'support <x@example.com>', notifiedAt: null };
  const incident = { ...sampleIncident(), vendorDuty: duty };
  const due = Date.parse(duty.dueAt);

  test('overdue while the vendor was not told, whatever the status; cleared by a notification, a dismissal, or no duty', () => {
    expect(checkTimer('vendor-notification-overdue', incident, 0, due + 60_000, settings)).toEqual({ state: 'overdue', dueAt: duty.dueAt, overdueSeconds: 60 });
    expect(checkTimer('vendor-notification-overdue', { ...incident, status: 'resolved' }, 0, due + 60_000, settings)).toMatchObject({ state: 'overdue' });
    expect(checkTimer('vendor-notification-overdue', { ...incident, vendorDuty: { ...duty, notifiedAt: duty.dueAt } }, 0, due + 60_000, settings)).toEqual({ state: 'cleared', reason: 'Cloudflare was notified' });
    expect(checkTimer('vendor-notification-overdue', { ...incident, status: 'dismissed' }, 0, due + 60_000, settings)).toMatchObject({ state: 'cleared' });
    expect(checkTimer('vendor-notification-overdue', { ...incident, vendorDuty: null }, 0, due + 60_000, settings)).toMatchObject({ state: 'cleared' });
    expect(checkTimer('vendor-notification-overdue', incident, 0, due - 60_000, settings)).toEqual({ state: 'later', at: due });
  });

  test('the reminder names the vendor and its contact, escaped for mrkdwn, and the escalation chain', () => {
    const check = { state: 'overdue' as const, dueAt: duty.dueAt, overdueSeconds: 600 };
    const text = escalationText('vendor-notification-overdue', incident, check, { index: 0, users: ['U0LEAD001'] }, owner);
    expect(text).toContain('involves the Cloudflare account and Cloudflare has not been notified: it was due 10 m ago.');
    expect(text).toContain('Contact: support &lt;x@example.com&gt;.');
    expect(text).toContain('<@U0LEAD001>');
    expect(escalationMoments('vendor-notification-overdue', owner)[0]?.users).toEqual(['U0LEAD001', 'U0LEAD002']);
  });
});
