/**
 * The vocabulary normalisers write and rules read. A normaliser maps each source's own action
 * names onto these, so one rule covers Okta, Google Workspace, AWS and GitHub alike.
 * They live in `VigilEvent.attributes` under the keys below.
 */

/** `attributes[CHANGE]` on `account_change` and `api_activity` events: what kind of change it was. */
export const CHANGE = 'vigil.change';
export const CHANGES = [
  // identity
  'mfa-removed', // a factor deactivated / reset / 2SV turned off for a user
  'mfa-policy-weakened', // an org-wide MFA requirement relaxed
  'admin-granted', // admin role, org owner, privileged group membership granted
  'admin-revoked',
  'user-suspended', // suspended / deactivated / deprovisioned
  'user-reactivated',
  'user-created',
  'user-deleted',
  'password-reset',
  // logging integrity
  'audit-log-stopped', // CloudTrail StopLogging, ...
  'audit-log-deleted', // DeleteTrail, log stream removed
  'audit-log-narrowed', // UpdateTrail / PutEventSelectors that reduce coverage
  'audit-log-changed', // other configuration changes of an audit log
  // backups
  'backup-deleted', // a backup / recovery point / snapshot deleted
  'backup-policy-changed',
] as const;
export type Change = (typeof CHANGES)[number];

/** `attributes[MFA_USED]` on `authentication`: true / false when the source says, absent when unknown. */
export const MFA_USED = 'vigil.mfa_used';
/** `attributes[ROOT]` on `authentication` / `api_activity`: the actor is an account root (AWS root user). */
export const ROOT = 'vigil.root';
/** `attributes[INTERFACE]` on `authentication`: `console`, `api`, `sso`, `cli`, ... */
export const INTERFACE = 'vigil.interface';

/** On `uptime_check`: where it ran from, how long it took, what failed. */
export const CHECK_NAME = 'vigil.check';
export const REGION = 'vigil.region';
export const LATENCY_MS = 'vigil.latency_ms';
export const ERROR = 'vigil.error';
/** On `uptime_check`: days until the TLS certificate expires (HTTPS checks). */
export const TLS_DAYS_LEFT = 'vigil.tls_days_left';

/** On `backup` / `restore_test`: the job and what happened to it. Outcome carries success / failure. */
export const JOB_ID = 'vigil.job_id';
export const BACKUP_STATE = 'vigil.backup_state'; // completed, failed, aborted, expired, deleted, running
/** On `restore_test`: achieved recovery figures, seconds. */
export const RTO_SECONDS = 'vigil.rto_seconds';
export const RPO_SECONDS = 'vigil.rpo_seconds';

/** On `heartbeat`: the entity is `{ type: 'source', id: <source name> }`. */
