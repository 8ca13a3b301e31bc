import type { Detection, EvidenceRef, Severity } from '@vigil/schema';

/** The `pipeline` rule family: Vigil's own health, raised by the watchdog straight into the register. */
export const PIPELINE_RULES = {
  consumerLag: { id: 'pipeline.consumer-lag', title: 'Consumer group lagging', severity: 'SEV3' },
  partitionStalled: { id: 'pipeline.partition-stalled', title: 'Partition stalled: lag without progress', severity: 'SEV2' },
  deadLetterRate: { id: 'pipeline.dead-letter-rate', title: 'Dead letters arriving fast', severity: 'SEV3' },
  stateLost: { id: 'pipeline.state-lost', title: 'Detector state in Redis was lost', severity: 'SEV2' },
  offsetReset: { id: 'pipeline.offset-reset', title: 'Records skipped: committed offset below the log start', severity: 'SEV2' },
  notificationDelivery: { id: 'pipeline.notification-delivery', title: 'Notification delivery failing or backlogged', severity: 'SEV2' },
} as const satisfies Record<string, { id: string; title: string; severity: Severity }>;

export type PipelineRule = (typeof PIPELINE_RULES)[keyof typeof PIPELINE_RULES];

/** Owner key of every pipeline incident: route it with `match: { rule: 'pipeline.*' }` in the owners map. */
export const PIPELINE_OWNER_KEY = 'vigil-pipeline';

export interface PipelineFinding {
  rule: PipelineRule;
  /** Stable per fault: a group, a group's partition, a topic. One live incident per rule and key. */
  key: string;
  summary: string;
  /** Where the fault shows: a partition and offset, or a stand-in position for queues and Redis. */
  evidence: Omit<EvidenceRef, 'time'>;
  attributes: Record<string, string | number | boolean | null>;
}

/**
 * The detection the watchdog applies for a fault episode. Its id is fixed by the rule, key and the
 * episode's start, so applying it again (a retry after PostgreSQL came back) changes nothing.
 */
export function pipelineDetection(
  finding: PipelineFinding,
  status: 'firing' | 'resolved',
  episodeStartedAt: string,
  now: string,
): Detection {
  const dedupKey = `${finding.rule.id}:${finding.key}`;
  return {
    id: `${dedupKey}:${episodeStartedAt}${status === 'resolved' ? ':resolved' : ''}`,
    ruleId: finding.rule.id,
    ruleVersion: 1,
    status,
    title: finding.rule.title,
    summary: finding.summary,
    criteria: ['CC7.2'],
    category: 'logging',
    severity: finding.rule.severity,
    dedupKey,
    entity: { type: 'resource', id: finding.key.slice(0, 512) },
    ownerKey: PIPELINE_OWNER_KEY,
    firstEventAt: episodeStartedAt,
    detectedAt: now,
    evidence: [{ ...finding.evidence, time: now }],
    attributes: finding.attributes,
  };
}
