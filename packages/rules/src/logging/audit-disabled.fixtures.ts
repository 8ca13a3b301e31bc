import { accountChange, MINUTE } from '../fixture-events';
import type { RuleFixtures } from '../rule';

const trail = (id: string) => ({ type: 'resource' as const, id });

export const auditDisabledFixtures: RuleFixtures = {
  positive: [
    {
      name: 'CloudTrail stopped, deleted and narrowed each fire',
      events: [
        accountChange({
          id: 'ad-a1',
          at: 0,
          change: 'audit-log-stopped',
          entity: trail('org-trail'),
          source: 'cloudtrail',
          kind: 'api_activity',
        }),
        accountChange({
          id: 'ad-a2',
          at: MINUTE,
          change: 'audit-log-narrowed',
          entity: trail('security-trail'),
          source: 'cloudtrail',
          kind: 'api_activity',
        }),
        accountChange({
          id: 'ad-a3',
          at: 2 * MINUTE,
          change: 'audit-log-deleted',
          entity: trail('okta-log-stream'),
          source: 'okta',
        }),
      ],
      expected: [
        { status: 'firing', triggerEventId: 'cloudtrail:ad-a1', attributes: { change: 'audit-log-stopped' } },
        {
          status: 'firing',
          triggerEventId: 'cloudtrail:ad-a2',
          attributes: { change: 'audit-log-narrowed' },
        },
        { status: 'firing', triggerEventId: 'okta:ad-a3', attributes: { change: 'audit-log-deleted' } },
      ],
    },
  ],
  negative: [
    {
      name: 'a denied StopLogging and an ordinary configuration change',
      events: [
        accountChange({
          id: 'ad-b1',
          at: 0,
          change: 'audit-log-stopped',
          entity: trail('org-trail'),
          source: 'cloudtrail',
          kind: 'api_activity',
          outcome: 'failure',
        }),
        accountChange({
          id: 'ad-b2',
          at: MINUTE,
          change: 'audit-log-changed',
          entity: trail('org-trail'),
          source: 'cloudtrail',
          kind: 'api_activity',
        }),
      ],
      expected: [],
    },
  ],
};
