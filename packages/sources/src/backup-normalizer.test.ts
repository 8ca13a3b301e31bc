import { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { backupNormalizer } from './backup-normalizer';
import {
  awsBackupJobEvent,
  awsRecoveryPointEvent,
  awsRestoreJobEvent,
  vigilBackupRecord,
} from './testing/availability-samples';

const ctx = { source: 'backups', receivedAt: '2026-11-24T10:00:00.000Z' };

function normalize(item: unknown): VigilEvent {
  const result = backupNormalizer.normalize(item, ctx);
  if (!result.ok) throw new Error(`${result.reason}: ${JSON.stringify(result.errors)}`);
  return VigilEvent.parse(result.event);
}

describe('backup normaliser: Vigil backup records', () => {
  it('maps a completed backup field by field', () => {
    const event = normalize(vigilBackupRecord());
    expect(event).toMatchObject({
      id: 'backups:db-main-nightly-2026-11-22:completed',
      kind: 'backup',
      action: 'backup-completed',
      time: '2026-11-22T02:14:30.000Z',
      entity: { type: 'service', id: 'db-main' },
      outcome: 'success',
      attributes: { 'vigil.job_id': 'db-main-nightly', 'vigil.backup_state': 'completed', 'backup.size_bytes': 73_400_320_000 },
    });
    expect(event.attributes['vigil.change']).toBeUndefined();
    expect(event.raw).toEqual(vigilBackupRecord());
  });

  it('a failed run is a failure, a deleted backup carries vigil.change backup-deleted', () => {
    expect(normalize(vigilBackupRecord({ state: 'failed' })).outcome).toBe('failure');
    const deleted = normalize(vigilBackupRecord({ state: 'deleted', time: '2026-11-25T08:00:00Z' }));
    expect(deleted).toMatchObject({ outcome: 'failure', time: '2026-11-25T08:00:00.000Z', attributes: { 'vigil.change': 'backup-deleted', 'vigil.backup_state': 'deleted' } });
    expect(normalize(vigilBackupRecord({ state: 'running', finishedAt: undefined })).outcome).toBe('unknown');
  });

  it('maps a restore test with its RTO and RPO; RTO defaults to its duration', () => {
    const test = vigilBackupRecord({ type: 'restore_test', id: 'rt-42', rpoSeconds: 3600, evidenceUrl: 'https://wiki.example.com/restore/42' });
    expect(normalize(test)).toMatchObject({
      kind: 'restore_test',
      action: 'restore-test-completed',
      outcome: 'success',
      attributes: { 'vigil.rto_seconds': 870, 'vigil.rpo_seconds': 3600, 'backup.evidence_url': 'https://wiki.example.com/restore/42' },
    });
    expect(normalize({ ...test, rtoSeconds: 600 }).attributes['vigil.rto_seconds']).toBe(600);
  });

  it('refuses a finished run without finishedAt, unknown states and unknown fields, naming the field', () => {
    const refused = (item: unknown) => backupNormalizer.normalize(item, ctx);
    expect(refused(vigilBackupRecord({ finishedAt: undefined }))).toMatchObject({ ok: false, errors: [{ path: 'finishedAt', message: 'required when state is completed' }] });
    expect(refused(vigilBackupRecord({ state: 'ok' }))).toMatchObject({ ok: false, errors: [{ path: 'state' }] });
    expect(refused(vigilBackupRecord({ sizeMb: 3 }))).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining('sizeMb') }] });
  });
});

describe('backup normaliser: AWS Backup EventBridge events', () => {
  it('maps a Backup Job State Change COMPLETED', () => {
    const event = normalize(awsBackupJobEvent());
    expect(event).toMatchObject({
      id: 'backups:710b0398-d48e-f3c3-afca-cfeb2fdaa656',
      kind: 'backup',
      action: 'backup-job-completed',
      time: '2026-11-22T02:30:41.000Z',
      entity: { type: 'resource', id: 'arn:aws:rds:eu-west-1:123456789012:db:db-main' },
      outcome: 'success',
      attributes: {
        'vigil.job_id': '3ae4a2f9-6a6e-4c54-9d9c-3a1f5e0e6b11',
        'vigil.backup_state': 'completed',
        'aws.backup.vault': 'prod-vault',
        'aws.backup.plan_id': 'b1b2c3d4-plan',
        'backup.size_bytes': 73_400_320_000,
        'aws.account': '123456789012',
      },
    });
  });

  it('FAILED, ABORTED and EXPIRED jobs are failures', () => {
    for (const state of ['FAILED', 'ABORTED', 'EXPIRED']) {
      const event = normalize(awsBackupJobEvent({ state, statusMessage: 'Insufficient privileges' }));
      expect(event.outcome).toBe('failure');
      expect(event.attributes['vigil.backup_state']).toBe(state.toLowerCase());
    }
  });

  it('maps a Restore Job State Change (status, not state) to a restore test with its RTO', () => {
    const event = normalize(awsRestoreJobEvent());
    expect(event).toMatchObject({
      id: 'backups:c2f1e0d9-1111-2222-3333-restorejob01',
      kind: 'restore_test',
      action: 'restore-job-completed',
      outcome: 'success',
      attributes: { 'vigil.job_id': '5B2E4B8A-0C1D-9E8F-RESTORE', 'vigil.rto_seconds': 1200 },
    });
  });

  it('a restore job is about the resource whose backup was restored, never the restored copy', () => {
    const restored = 'arn:aws:rds:eu-west-1:123456789012:db:db-main-restore-test';
    const event = normalize(awsRestoreJobEvent({}, { resources: [restored] }));
    expect(event.entity).toEqual({ type: 'resource', id: 'arn:aws:rds:eu-west-1:123456789012:db:db-main' });
    expect(backupNormalizer.normalize(awsRestoreJobEvent({ sourceResourceArn: undefined }, { resources: [restored] }), ctx)).toMatchObject({
      ok: false,
      reason: 'the restore job names no source resource',
      errors: [{ path: 'detail.sourceResourceArn' }],
    });
  });

  it("Vigil's record: a backup expired by its retention is no failure", () => {
    const event = normalize(vigilBackupRecord({ state: 'expired', finishedAt: '2026-11-22T02:14:30Z' }));
    expect(event).toMatchObject({ outcome: 'unknown', attributes: { 'vigil.backup_state': 'expired' } });
  });

  it('maps a deleted recovery point to backup-deleted at the time AWS reported it', () => {
    const event = normalize(awsRecoveryPointEvent());
    expect(event).toMatchObject({
      kind: 'backup',
      action: 'recovery-point-deleted',
      time: '2026-11-24T09:12:00.000Z',
      outcome: 'failure',
      attributes: { 'vigil.change': 'backup-deleted', 'vigil.backup_state': 'deleted' },
    });
  });

  it('refuses other AWS Backup events and a job without its id, naming the field', () => {
    expect(backupNormalizer.normalize(awsBackupJobEvent({}, { 'detail-type': 'Backup Vault State Change' }), ctx)).toMatchObject({
      ok: false,
      errors: [{ path: 'detail-type' }],
    });
    expect(backupNormalizer.normalize(awsBackupJobEvent({ backupJobId: undefined }), ctx)).toMatchObject({
      ok: false,
      errors: [{ path: 'detail.backupJobId' }],
    });
  });

  it('splits one item, an array, or {"events": [...]}', () => {
    expect(backupNormalizer.split(vigilBackupRecord())).toMatchObject({ ok: true, items: [vigilBackupRecord()] });
    expect(backupNormalizer.split({ events: [awsBackupJobEvent(), vigilBackupRecord()] })).toMatchObject({ ok: true, items: { length: 2 } });
    expect(backupNormalizer.split('nope')).toMatchObject({ ok: false });
  });
});
