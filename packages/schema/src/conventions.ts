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
  // credentials and edge protection (Cloudflare API tokens / keys, zone security settings)
  'credential-created', // an API token or key created
  'credential-rotated', // an API token or key rolled / regenerated
  'credential-revoked', // an API token or key deleted / revoked
  'protection-lowered', // a zone setting that lowers protection (SSL off / flexible, security level off, WAF off, ...)
] as const;
export type Change = (typeof CHANGES)[number];

/** `attributes[MFA_USED]` on `authentication`: true / false when the source says, absent when unknown. */
export const MFA_USED = 'vigil.mfa_used';
/** `attributes[ROOT]` on `authentication` / `api_activity`: the actor is an account root (AWS root user). */
export const ROOT = 'vigil.root';
/** `attributes[INTERFACE]` on `authentication`: `console`, `api`, `sso`, `cli`, ... */
export const INTERFACE = 'vigil.interface';
/**
 * `attributes[USER_AGENT]` on `authentication` (and other actor events where the source says): the client's
 * user agent as the source reported it, cut to `USER_AGENT_MAX` characters.
 */
export const USER_AGENT = 'vigil.user_agent';
export const USER_AGENT_MAX = 256;
/**
 * `attributes[TENANT]`: the organisation / account the event happened in when the source names one (Google
 * customer id, AWS account id). Absent for sources that serve one organisation per source (Okta): the source
 * name is the tenant then.
 */
export const TENANT = 'vigil.tenant';
/**
 * `attributes[COUNTRY]` on `authentication` (and other actor events): the country the actor's address is in, as
 * the source (Okta's geographical context) or ingest's address table (`GEOIP_COUNTRY_FILE`) gave it.
 */
export const COUNTRY = 'vigil.country';
/**
 * `attributes[ROLES]` on `account_change`: the role names a member was given by the change (those it did not
 * have before, when the source says), as a JSON array of strings (role names may hold commas).
 */
export const ROLES = 'vigil.roles';
/**
 * `attributes[CREDENTIAL]` on actor events made with an API credential, when the source names it: which one, as
 * `<kind>:<id>` (`cloudflare-token:<token id>`). Never the secret itself.
 */
export const CREDENTIAL = 'vigil.credential';

/** On `uptime_check`: where it ran from, how long it took, what failed. */
export const CHECK_NAME = 'vigil.check';
export const REGION = 'vigil.region';
export const LATENCY_MS = 'vigil.latency_ms';
export const ERROR = 'vigil.error';
/** On `uptime_check`: days until the TLS certificate expires (HTTPS checks). */
export const TLS_DAYS_LEFT = 'vigil.tls_days_left';
/**
 * On an `uptime_check` from an alert (Alertmanager): the alert's identity, when it began (the event's time is
 * its start while it fires and its end once resolved) and its severity label. Such an event is an alert of
 * the service's group, not a probe result.
 */
export const ALERT_FINGERPRINT = 'alertmanager.fingerprint';
export const ALERT_STARTS_AT = 'alertmanager.startsAt';
export const ALERT_SEVERITY = 'alertmanager.severity';

interface CheckLike {
  kind: string;
  entity: { type: string };
  outcome: string;
  attributes: Record<string, unknown>;
}

/** An `uptime_check` made from an Alertmanager alert (it carries the alert's fingerprint), not a probe's result. */
export function isAlertEvent(event: Pick<CheckLike, 'attributes'>): boolean {
  return typeof event.attributes[ALERT_FINGERPRINT] === 'string';
}

/**
 * A check of a service that said up or down: what the burn-rate and commitment rules count and what check
 * coverage is made of. An alert is not a check: it says nothing while nothing fires, so counting its events
 * would turn a service's alert traffic into "checks" and coverage; alerts are evidence through the outages
 * `availability.alerts-down` measures from them. An outcome of `unknown` tells nothing either way.
 */
export function isServiceCheck(event: CheckLike): boolean {
  return (
    event.kind === 'uptime_check' &&
    event.entity.type === 'service' &&
    (event.outcome === 'success' || event.outcome === 'failure') &&
    !isAlertEvent(event)
  );
}

/** On `backup` / `restore_test`: the job and what happened to it. Outcome carries success / failure. */
export const JOB_ID = 'vigil.job_id';
export const BACKUP_STATE = 'vigil.backup_state'; // completed, failed, aborted, expired, deleted, running
/** On `restore_test`: achieved recovery figures, seconds. */
export const RTO_SECONDS = 'vigil.rto_seconds';
export const RPO_SECONDS = 'vigil.rpo_seconds';

/** The vendor whose account an event is about (`cloudflare`, ...): ties incidents to the vendor's CUECs. */
export const VENDOR = 'vigil.vendor';

/** On `heartbeat`: the entity is `{ type: 'source', id: <source name> }`. */
