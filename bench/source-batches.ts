import type { SourceFormat } from '@vigil/sources';
import { alertmanagerAlert, alertmanagerWebhook, vigilBackupRecord } from '../packages/sources/src/testing/availability-samples';
import { apiCall, cloudTrailFile, consoleLogin, iamUserIdentity, successfulConsoleLogin } from '../packages/sources/src/testing/cloudtrail-samples';
import { orgBlock, orgMemberAdded, repositoryDeleted, teamMembership } from '../packages/sources/src/testing/github-samples';
import { activitiesPage, adminEvent, loginFailure, loginSuccess } from '../packages/sources/src/testing/google-workspace-samples';
import { oktaHookDelivery, oktaLogEvent } from '../packages/sources/src/testing/samples';

/**
 * Realistic request bodies per source format for the ingest benchmark, built from the sample payloads
 * the sources' tests use. Items within the first `batches × size` are unique (ids, users, fingerprints),
 * so the events would not collapse under dedup by id.
 */
export type BatchFormat = Exclude<SourceFormat, 'github'>;

/** A JSON body and how many events it holds once the normaliser has split it. */
export interface SourceBody {
  body: string;
  events: number;
}

const user = (i: number) => `user${i % 5000}@example.com`;
const ip = (i: number) => `203.0.113.${i % 250}`;
const iso = (i: number) => new Date(1_795_300_000_000 + i * 1000).toISOString();

function genericItem(i: number, runId: string): Record<string, unknown> {
  return {
    id: `${runId}-${i}`,
    kind: 'authentication',
    action: 'login',
    time: new Date(Date.now() - 1000).toISOString(),
    entity: { type: 'user', id: user(i) },
    outcome: i % 7 === 0 ? 'failure' : 'success',
    actor: { user: user(i), ip: '203.0.113.7' },
    attributes: { method: 'password' },
  };
}

function oktaItem(i: number, runId: string): Record<string, unknown> {
  const failed = i % 7 === 0;
  return oktaLogEvent({
    uuid: `${runId}-okta-${i}`,
    published: iso(i),
    actor: { id: `00u${i}`, type: 'User', alternateId: user(i), displayName: `User ${i % 5000}` },
    client: { ipAddress: ip(i), userAgent: { rawUserAgent: 'Mozilla/5.0' }, zone: 'null' },
    outcome: failed ? { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' } : { result: 'SUCCESS' },
  });
}

function cloudtrailItem(i: number, runId: string): Record<string, unknown> {
  const overrides = { eventID: `${runId}-ct-${i}`, eventTime: iso(i), sourceIPAddress: ip(i), userIdentity: iamUserIdentity(`user${i % 5000}`) };
  switch (i % 4) {
    case 0:
      return consoleLogin(overrides);
    case 1:
      return successfulConsoleLogin(overrides);
    case 2:
      return apiCall('CreateAccessKey', { userName: `user${i % 5000}` }, overrides);
    default:
      return apiCall('AttachUserPolicy', { userName: `user${i % 5000}`, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }, overrides);
  }
}

function googleItem(i: number, runId: string): Record<string, unknown> {
  const overrides = {
    id: { time: iso(i), uniqueQualifier: `${runId}-gw-${i}`, applicationName: i % 5 === 4 ? 'admin' : 'login', customerId: 'C03az79cb' },
    actor: { callerType: 'USER', email: user(i), profileId: `1145111473${i}` },
    ipAddress: ip(i),
  };
  // One event per activity, so the body holds exactly as many events as activities.
  switch (i % 5) {
    case 4:
      return adminEvent('USER_SETTINGS', 'GRANT_ADMIN_PRIVILEGE', { USER_EMAIL: user(i + 1) }, overrides);
    case 3:
      return loginFailure(overrides);
    default:
      return loginSuccess(undefined, overrides);
  }
}

function alertItem(i: number, runId: string): Record<string, unknown> {
  return alertmanagerAlert({
    status: i % 3 === 0 ? 'resolved' : 'firing',
    labels: { alertname: 'ProbeFailure', instance: `https://svc${i}.example.com`, job: 'blackbox-http', service: `svc-${i % 200}`, severity: 'critical', region: 'eu-west-1' },
    fingerprint: `${runId}-${i.toString(16).padStart(8, '0')}`,
    startsAt: iso(i),
  });
}

const BACKUP_CYCLE = ['running', 'completed', 'failed', 'completed'] as const;

function backupItem(i: number, runId: string): Record<string, unknown> {
  return vigilBackupRecord({
    id: `${runId}-backup-${i}`,
    job: `db-${i % 300}-nightly`,
    service: `db-${i % 300}`,
    state: BACKUP_CYCLE[i % BACKUP_CYCLE.length],
    startedAt: iso(i),
    finishedAt: iso(i + 870),
  });
}

function items(start: number, size: number, make: (i: number) => Record<string, unknown>): Record<string, unknown>[] {
  return Array.from({ length: size }, (_, k) => make(start + k));
}

/** One batched body of `size` events starting at item `start`, in the envelope the sender really uses. */
export function sourceBatch(format: BatchFormat, start: number, size: number, runId: string): SourceBody {
  let body: unknown;
  switch (format) {
    case 'generic':
      body = items(start, size, (i) => genericItem(i, runId));
      break;
    case 'okta-event-hook':
      body = oktaHookDelivery(items(start, size, (i) => oktaItem(i, runId)));
      break;
    case 'cloudtrail':
      body = cloudTrailFile(items(start, size, (i) => cloudtrailItem(i, runId)));
      break;
    case 'google-workspace':
      body = activitiesPage(items(start, size, (i) => googleItem(i, runId)));
      break;
    case 'alertmanager':
      body = alertmanagerWebhook(items(start, size, (i) => alertItem(i, runId)), { truncatedAlerts: 0 });
      break;
    case 'backup':
      body = items(start, size, (i) => backupItem(i, runId));
      break;
  }
  return { body: JSON.stringify(body), events: size };
}

/** GitHub sends one webhook per event: the event name header and one payload, distinct per `i`. */
export function githubDelivery(i: number, runId: string): { event: string; delivery: string; body: string } {
  const login = `dev${i}`;
  let event: string;
  let payload: Record<string, unknown>;
  switch (i % 4) {
    case 0:
      [event, payload] = ['organization', orgMemberAdded(login, i % 8 === 0 ? 'admin' : 'member')];
      break;
    case 1:
      [event, payload] = ['membership', teamMembership('added', i % 8 === 1 ? 'org-admins' : 'frontend', login)];
      break;
    case 2:
      [event, payload] = ['org_block', orgBlock('blocked', login)];
      break;
    default:
      [event, payload] = ['repository', { ...repositoryDeleted(), repository: { id: i, name: `repo-${i}`, full_name: `acme/repo-${i}`, private: true } }];
  }
  return { event, delivery: `${runId}-gh-${i}`, body: JSON.stringify(payload) };
}
