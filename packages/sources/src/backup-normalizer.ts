import {
  BACKUP_STATE,
  CHANGE,
  fieldErrors,
  JOB_ID,
  OCSF_CLASS_BY_KIND,
  RPO_SECONDS,
  RTO_SECONDS,
  Timestamp,
  type Change,
  type Outcome,
  type VigilEvent,
} from '@vigil/schema';
import { z } from 'zod';
import { checkBatchSize } from './generic-normalizer';
import type { Normalizer, NormalizeResult } from './normalizer';

/** States a backup or restore test can report, in Vigil's words (conventions: `vigil.backup_state`). */
export const BACKUP_STATES = ['running', 'completed', 'failed', 'aborted', 'expired', 'deleted'] as const;

/**
 * Vigil's own record of a backup job run or a restore test, for tools without a dedicated format
 * (scripts, cron jobs, database operators). Documented in docs/sources.md.
 */
export const VigilBackupRecord = z
  .object({
    /** The run's id at the sender. With `state` it makes the event id: one event per run and state. */
    id: z.string().min(1).max(150),
    type: z.enum(['backup', 'restore_test']),
    /** The job's stable name across runs, e.g. `db-main-nightly`. */
    job: z.string().min(1).max(200),
    service: z.string().min(1).max(512),
    state: z.enum(BACKUP_STATES),
    startedAt: Timestamp,
    /** Required once the run has ended (every state but `running`). */
    finishedAt: Timestamp.optional(),
    /** When it happened, if not `finishedAt` (or `startedAt` while running). */
    time: Timestamp.optional(),
    sizeBytes: z.number().int().nonnegative().optional(),
    /** Achieved recovery time of a restore test; defaults to finishedAt − startedAt of a completed test. */
    rtoSeconds: z.number().nonnegative().optional(),
    /** Achieved recovery point: how old the restored data was. */
    rpoSeconds: z.number().nonnegative().optional(),
    /** Where an auditor finds the evidence (a log, a ticket, a report). */
    evidenceUrl: z.url().max(2000).optional(),
  })
  .strict()
  .superRefine((record, ctx) => {
    if (record.state !== 'running' && record.finishedAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: `required when state is ${record.state}` });
    }
    if (record.finishedAt !== undefined && Date.parse(record.finishedAt) < Date.parse(record.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'is before startedAt' });
    }
  });
export type VigilBackupRecord = z.infer<typeof VigilBackupRecord>;

const AWS_DETAIL_TYPES = ['Backup Job State Change', 'Restore Job State Change', 'Recovery Point State Change'] as const;

/** An AWS Backup event as EventBridge delivers it (API destination or a forwarding Lambda). */
export const AwsBackupEvent = z.object({
  id: z.string().min(1).max(150),
  'detail-type': z.enum(AWS_DETAIL_TYPES, {
    message: `Vigil reads the AWS Backup events ${AWS_DETAIL_TYPES.map((t) => `"${t}"`).join(', ')}`,
  }),
  source: z.literal('aws.backup'),
  account: z.string().optional(),
  time: Timestamp,
  region: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()),
});
type AwsBackupEvent = z.infer<typeof AwsBackupEvent>;

/** AWS dates arrive as ISO strings in events and as epoch seconds in the API. */
const AwsDate = z.union([Timestamp, z.number().nonnegative()]).transform((v) => (typeof v === 'number' ? v * 1000 : Date.parse(v)));
const AwsSize = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(Number);

/**
 * The detail fields Vigil reads. AWS reports `state` for some events and `status` for others
 * ("consistent with the AWS Backup API"), so both are read.
 */
const AwsBackupDetail = z
  .object({
    backupJobId: z.string().min(1).optional(),
    restoreJobId: z.string().min(1).optional(),
    state: z.string().min(1).optional(),
    status: z.string().min(1).optional(),
    resourceArn: z.string().optional(),
    recoveryPointArn: z.string().optional(),
    createdResourceArn: z.string().optional(),
    /** Restore jobs: the resource whose backup was restored (what a restore test proves recoverable). */
    sourceResourceArn: z.string().optional(),
    backupVaultName: z.string().optional(),
    resourceType: z.string().optional(),
    statusMessage: z.string().optional(),
    backupSizeInBytes: AwsSize.optional(),
    creationDate: AwsDate.optional(),
    completionDate: AwsDate.optional(),
    createdBy: z
      .object({
        backupPlanId: z.string().optional(),
        backupRuleId: z.string().optional(),
        restoreTestingPlanArn: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose()
  .refine((d) => d.state !== undefined || d.status !== undefined, {
    message: 'has neither state nor status',
    path: ['state'],
  });

function outcomeOf(state: string): Outcome {
  switch (state) {
    case 'completed':
      return 'success';
    case 'failed':
    case 'aborted':
    case 'expired':
    case 'partial':
    case 'deleted':
      return 'failure';
    default:
      return 'unknown';
  }
}

const BACKUP_DELETED: Change = 'backup-deleted';

function seconds(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 1000);
}

function normalizeVigilRecord(item: unknown, source: string, receivedAt: string): NormalizeResult {
  const parsed = VigilBackupRecord.safeParse(item);
  if (!parsed.success) {
    return { ok: false, reason: 'does not match the Vigil backup record format', errors: fieldErrors(parsed.error) };
  }
  const r = parsed.data;
  const rto =
    r.rtoSeconds ??
    (r.type === 'restore_test' && r.state === 'completed' && r.finishedAt
      ? seconds(Date.parse(r.startedAt), Date.parse(r.finishedAt))
      : undefined);
  const event: VigilEvent = {
    id: `${source}:${r.id}:${r.state}`,
    source,
    kind: r.type,
    action: r.type === 'backup' ? `backup-${r.state}` : `restore-test-${r.state}`,
    ocsfClassUid: OCSF_CLASS_BY_KIND[r.type],
    time: new Date(r.time ?? r.finishedAt ?? r.startedAt).toISOString(),
    receivedAt,
    entity: { type: 'service', id: r.service },
    // In Vigil's record, `expired` is a backup aged out by its retention: no failure. (An AWS Backup job
    // that EXPIRED never ran in its window, which is one.)
    outcome: r.state === 'expired' ? 'unknown' : outcomeOf(r.state),
    actor: {},
    attributes: {
      [JOB_ID]: r.job,
      [BACKUP_STATE]: r.state,
      ...(r.state === 'deleted' ? { [CHANGE]: BACKUP_DELETED } : {}),
      ...(rto !== undefined ? { [RTO_SECONDS]: rto } : {}),
      ...(r.rpoSeconds !== undefined ? { [RPO_SECONDS]: r.rpoSeconds } : {}),
      'backup.run_id': r.id,
      'backup.started_at': r.startedAt,
      'backup.finished_at': r.finishedAt ?? null,
      'backup.size_bytes': r.sizeBytes ?? null,
      'backup.evidence_url': r.evidenceUrl ?? null,
    },
    raw: item,
  };
  return { ok: true, event };
}

function normalizeAwsEvent(item: unknown, source: string, receivedAt: string): NormalizeResult {
  const envelope = AwsBackupEvent.safeParse(item);
  if (!envelope.success) {
    return { ok: false, reason: 'does not match the AWS Backup EventBridge event format', errors: fieldErrors(envelope.error) };
  }
  const e: AwsBackupEvent = envelope.data;
  const parsedDetail = AwsBackupDetail.safeParse(e.detail);
  if (!parsedDetail.success) {
    const errors = fieldErrors(parsedDetail.error).map((f) => ({ ...f, path: `detail.${f.path}` }));
    return { ok: false, reason: `does not match the AWS Backup "${e['detail-type']}" detail`, errors };
  }
  const d = parsedDetail.data;
  const state = (d.state ?? d.status ?? '').toLowerCase();
  const detailType = e['detail-type'];
  const isRestore = detailType === 'Restore Job State Change';
  const isJob = detailType !== 'Recovery Point State Change';
  const jobId = isRestore ? d.restoreJobId : detailType === 'Backup Job State Change' ? d.backupJobId : undefined;
  if (isJob && !jobId) {
    const field = isRestore ? 'restoreJobId' : 'backupJobId';
    return { ok: false, reason: `does not match the AWS Backup "${detailType}" detail`, errors: [{ path: `detail.${field}`, message: 'required' }] };
  }
  // A restore proves the source resource recoverable; `resources[0]` of a restore job is the restored copy,
  // a one-off resource that must not become the entity (nor get a restore-test deadline of its own).
  const resource = isRestore
    ? (d.sourceResourceArn ?? d.resourceArn)
    : (d.resourceArn ?? e.resources[0] ?? d.recoveryPointArn);
  if (!resource) {
    return {
      ok: false,
      reason: isRestore ? 'the restore job names no source resource' : 'the event names no resource',
      errors: [
        isRestore
          ? { path: 'detail.sourceResourceArn', message: 'required: the resource whose backup was restored' }
          : { path: 'detail.resourceArn', message: 'none of detail.resourceArn, resources[0], detail.recoveryPointArn is set' },
      ],
    };
  }
  const deleted = state === 'deleted';
  const kind = isRestore ? 'restore_test' : 'backup';
  const rto =
    isRestore && state === 'completed' && d.creationDate !== undefined && d.completionDate !== undefined
      ? seconds(d.creationDate, d.completionDate)
      : undefined;
  const action = !isJob ? `recovery-point-${state}` : `${isRestore ? 'restore' : 'backup'}-job-${state}`;
  const event: VigilEvent = {
    id: `${source}:${e.id}`,
    source,
    kind,
    action: action.slice(0, 200),
    ocsfClassUid: OCSF_CLASS_BY_KIND[kind],
    // A job's end is when it happened; a recovery point change (deletion) happens when AWS reports it.
    time: new Date((isJob ? d.completionDate : undefined) ?? Date.parse(e.time)).toISOString(),
    receivedAt,
    entity: { type: 'resource', id: resource.slice(0, 512) },
    outcome: outcomeOf(state),
    actor: {},
    attributes: {
      [JOB_ID]: jobId ?? d.recoveryPointArn ?? null,
      [BACKUP_STATE]: state,
      ...(deleted ? { [CHANGE]: BACKUP_DELETED } : {}),
      ...(rto !== undefined ? { [RTO_SECONDS]: rto } : {}),
      'aws.account': e.account ?? null,
      'aws.region': e.region ?? null,
      'aws.backup.vault': d.backupVaultName ?? null,
      'aws.backup.resource_type': d.resourceType ?? null,
      'aws.backup.recovery_point': d.recoveryPointArn ?? null,
      'aws.backup.plan_id': d.createdBy?.backupPlanId ?? null,
      'aws.backup.restore_testing_plan': d.createdBy?.restoreTestingPlanArn ?? null,
      'aws.backup.status_message': d.statusMessage ?? null,
      'backup.size_bytes': d.backupSizeInBytes ?? null,
    },
    raw: item,
  };
  return { ok: true, event };
}

function isAwsEvent(item: unknown): boolean {
  return item !== null && typeof item === 'object' && ('detail-type' in item || (item as { source?: unknown }).source === 'aws.backup');
}

/**
 * Backups and restore tests: Vigil's own record (`{ id, type, job, service, state, ... }`) and AWS
 * Backup's EventBridge job and recovery-point state changes, mapped onto the same conventions.
 * The body is one record or event, an array of them, or `{"events": [...]}`.
 */
export const backupNormalizer: Normalizer = {
  split(body) {
    if (Array.isArray(body)) return checkBatchSize(body);
    if (body !== null && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events)) {
      return checkBatchSize((body as { events: unknown[] }).events);
    }
    if (body !== null && typeof body === 'object') return { ok: true, items: [body] };
    return {
      ok: false,
      reason: 'expected a backup record or AWS Backup event, an array of them, or {"events": [...]}',
      errors: [{ path: '(root)', message: `got ${body === null ? 'null' : typeof body}` }],
    };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    return isAwsEvent(item) ? normalizeAwsEvent(item, source, receivedAt) : normalizeVigilRecord(item, source, receivedAt);
  },
};
