import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  canReopen,
  INCIDENT_ACTIONS,
  isTerminal,
  nextStatus,
  planAction,
  type IncidentAction,
} from './incident-lifecycle';
import { INCIDENT_STATUSES, type IncidentStatus } from './notification-store';

const at = (status: IncidentStatus) => ({ seq: 12, status });

describe('incident lifecycle: transitions', () => {
  // The whole table, so a change to it is a visible change to this test.
  const expected: Record<IncidentStatus, Partial<Record<IncidentAction, IncidentStatus>>> = {
    open: {
      acknowledge: 'acknowledged',
      contain: 'contained',
      resolve: 'resolved',
      dismiss: 'dismissed',
      comment: 'open',
    },
    acknowledged: {
      contain: 'contained',
      resolve: 'resolved',
      dismiss: 'dismissed',
      comment: 'acknowledged',
    },
    contained: { resolve: 'resolved', comment: 'contained' },
    resolved: { close: 'closed', comment: 'resolved' },
    closed: { comment: 'closed' },
    dismissed: { comment: 'dismissed' },
  };

  it.each(INCIDENT_STATUSES)('from %s allows exactly what the lifecycle says', (status) => {
    for (const action of INCIDENT_ACTIONS) {
      expect(nextStatus(status, action), `${status} --${action}-->`).toBe(expected[status][action] ?? null);
    }
    expect(allowedActions(status)).toEqual(Object.keys(expected[status]));
  });

  it('has closed and dismissed as the only final states, and reopens only what was resolved', () => {
    expect(INCIDENT_STATUSES.filter(isTerminal)).toEqual(['closed', 'dismissed']);
    expect(INCIDENT_STATUSES.filter(canReopen)).toEqual(['resolved']);
  });
});

describe('incident lifecycle: planAction', () => {
  it('acknowledges an open incident: stamp, timeline entry with from and to, an updated notification', () => {
    expect(planAction(at('open'), 'acknowledge', { text: '  looking  ' })).toEqual({
      ok: true,
      plan: {
        action: 'acknowledge',
        from: 'open',
        to: 'acknowledged',
        stamp: 'acknowledged',
        fields: { text: 'looking' },
        timeline: { kind: 'acknowledged', data: { text: 'looking', from: 'open', to: 'acknowledged' } },
        notify: 'updated',
      },
    });
  });

  it('resolves with an optional root cause that is recorded when given, and a resolved notification', () => {
    const bare = planAction(at('contained'), 'resolve', undefined);
    expect(bare).toMatchObject({ ok: true, plan: { to: 'resolved', fields: {}, notify: 'resolved' } });

    const full = planAction(at('acknowledged'), 'resolve', {
      rootCause: 'credential stuffing from a leaked list',
      remediation: 'password reset, IP blocked',
      postmortemUrl: 'https://wiki.example.com/pm/12',
    });
    if (!full.ok) throw new Error(full.refusal.message);
    expect(full.plan.timeline).toEqual({
      kind: 'resolved',
      data: {
        rootCause: 'credential stuffing from a leaked list',
        remediation: 'password reset, IP blocked',
        postmortemUrl: 'https://wiki.example.com/pm/12',
        from: 'acknowledged',
        to: 'resolved',
      },
    });
  });

  it('refuses a dismissal without a reason, naming the field', () => {
    for (const input of [{}, { reason: '   ' }, { reason: 42 }]) {
      const decision = planAction(at('open'), 'dismiss', input);
      expect(decision.ok).toBe(false);
      if (decision.ok) continue;
      expect(decision.refusal).toMatchObject({ code: 'invalid_input', details: [{ path: 'reason' }] });
    }
    expect(planAction(at('open'), 'dismiss', {})).toMatchObject({
      refusal: { details: [{ path: 'reason', message: 'required: say why this is not an incident' }] },
    });
    expect(planAction(at('open'), 'dismiss', { reason: 'expected pen test' })).toMatchObject({
      ok: true,
      plan: {
        to: 'dismissed',
        stamp: 'dismissed',
        fields: { reason: 'expected pen test' },
        notify: 'updated',
      },
    });
  });

  it('takes a comment in any state, with text, changing nothing but telling the thread', () => {
    for (const status of INCIDENT_STATUSES) {
      expect(planAction(at(status), 'comment', { text: 'called the user' })).toEqual({
        ok: true,
        plan: {
          action: 'comment',
          from: status,
          to: status,
          stamp: null,
          fields: { text: 'called the user' },
          timeline: { kind: 'commented', data: { text: 'called the user' } },
          notify: 'updated',
        },
      });
    }
    expect(planAction(at('open'), 'comment', {})).toMatchObject({
      ok: false,
      refusal: { code: 'invalid_input', details: [{ path: 'text', message: 'required: the comment' }] },
    });
  });

  it('refuses fields an action does not take and values it cannot record', () => {
    const decision = planAction(at('open'), 'acknowledge', { reason: 'x', txt: 'typo' });
    expect(decision).toMatchObject({
      ok: false,
      refusal: {
        code: 'invalid_input',
        details: [
          { path: 'reason', message: 'not a field of acknowledge' },
          { path: 'txt', message: 'not a field of acknowledge' },
        ],
      },
    });
    expect(planAction(at('open'), 'resolve', { postmortemUrl: 'javascript:alert(1)' })).toMatchObject({
      refusal: { details: [{ path: 'postmortemUrl', message: 'must be an http(s) URL' }] },
    });
    expect(planAction(at('open'), 'comment', { text: 'x'.repeat(10_001) })).toMatchObject({
      refusal: { details: [{ path: 'text', message: 'must be at most 10000 characters' }] },
    });
  });

  it('names the incident, its state and the action when refusing a transition', () => {
    const refusals: Array<[IncidentStatus, IncidentAction, string]> = [
      [
        'resolved',
        'acknowledge',
        'INC-12 is resolved; it cannot be acknowledged. A resolved incident can be closed or commented on.',
      ],
      [
        'acknowledged',
        'acknowledge',
        'INC-12 is acknowledged; it cannot be acknowledged again. ' +
          'An acknowledged incident can be contained, resolved, dismissed or commented on.',
      ],
      [
        'contained',
        'dismiss',
        'INC-12 is contained; it cannot be dismissed. A contained incident can be resolved or commented on.',
      ],
      [
        'open',
        'close',
        'INC-12 is open; it cannot be closed. An open incident can be acknowledged, contained, resolved, dismissed or commented on.',
      ],
      [
        'closed',
        'resolve',
        'INC-12 is closed; it cannot be resolved. Closed is final: only comments can be added.',
      ],
      [
        'dismissed',
        'acknowledge',
        'INC-12 is dismissed; it cannot be acknowledged. Dismissed is final: only comments can be added.',
      ],
    ];
    for (const [status, action, message] of refusals) {
      const fields = action === 'dismiss' ? { reason: 'benign' } : {};
      expect(planAction(at(status), action, fields)).toEqual({
        ok: false,
        refusal: { code: 'illegal_transition', message },
      });
    }
  });

  it('reports bad fields before an illegal transition, as the API does', () => {
    expect(planAction(at('closed'), 'dismiss', {})).toMatchObject({ refusal: { code: 'invalid_input' } });
  });
});
