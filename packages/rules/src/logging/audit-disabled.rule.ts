import { entityKey } from '@vigil/schema';
import { z } from 'zod';
import { actorText, changeOf, singleEventDetection } from '../detection-builder';
import { defineRule } from '../rule';
import { auditDisabledFixtures } from './audit-disabled.fixtures';

export const AuditDisabledParameters = z.strictObject({});
export type AuditDisabledParameters = z.infer<typeof AuditDisabledParameters>;

const DISABLING: ReadonlyMap<string, string> = new Map([
  ['audit-log-stopped', 'stopped'],
  ['audit-log-deleted', 'deleted'],
  ['audit-log-narrowed', 'narrowed'],
]);

export const auditDisabledRule = defineRule<AuditDisabledParameters>({
  id: 'logging.audit-disabled',
  version: 1,
  title: 'Audit logging stopped, deleted or narrowed',
  description:
    'Fires on every change that stops an audit log (`audit-log-stopped`), deletes it or its stream ' +
    '(`audit-log-deleted`) or reduces what it records (`audit-log-narrowed`), from any source; ' +
    'failed attempts do not count.',
  criteria: ['CC7.2'],
  category: 'logging',
  severity: 'SEV2',
  parameters: AuditDisabledParameters,
  fixtures: auditDisabledFixtures,
  kinds: ['account_change', 'api_activity'],
  ownerKey: () => 'logging.audit-disabled',
  match: (event) => {
    const change = changeOf(event);
    return change !== undefined && DISABLING.has(change) && event.outcome !== 'failure';
  },
  dedupKey: (event) => `logging.audit-disabled:${entityKey(event.entity)}`,

  evaluate(event, ctx) {
    const change = changeOf(event) ?? 'audit-log-stopped';
    const how = DISABLING.get(change) ?? change;
    return Promise.resolve({
      detections: [
        singleEventDetection(ctx.rule, event, ctx.position, {
          title: `Audit log ${how}: ${event.entity.id}`,
          summary: `Audit log ${event.entity.id} ${how} by ${actorText(event)} (${event.source} ${event.action}).`,
          attributes: { change, source: event.source, action: event.action, actor: event.actor.user ?? null },
        }),
      ],
    });
  },
});
