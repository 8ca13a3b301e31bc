import {
  CHANGE,
  fieldErrors,
  INTERFACE,
  MFA_USED,
  OCSF_CLASS_BY_KIND,
  ROOT,
  type FieldError,
  type Outcome,
  type VigilEvent,
  TENANT,
  USER_AGENT,
  USER_AGENT_MAX,
} from '@vigil/schema';
import { checkBatchSize } from './generic-normalizer';
import type { Normalizer, NormalizeResult } from './normalizer';
import { classify } from './cloudtrail-changes';
import {
  accountOf,
  actorEntity,
  actorName,
  CloudTrailRecord,
  isRoot,
  sourceIp,
  stringField,
} from './cloudtrail-record';

export { CloudTrailRecord } from './cloudtrail-record';

const ENVELOPES =
  'expected a CloudTrail log file {"Records": [...]}, an EventBridge event {"detail-type": "... via CloudTrail", "detail": {...}}, one CloudTrail record, or an array of them';

type Unwrapped = { ok: true; record: unknown; detailType?: string; path: string } | { ok: false; reason: string; errors: FieldError[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** EventBridge wraps the record in `detail`; only CloudTrail's own detail-types carry one. */
function unwrap(item: unknown): Unwrapped {
  if (!isObject(item) || !('detail-type' in item)) return { ok: true, record: item, path: '' };
  const detailType = item['detail-type'];
  if (typeof detailType !== 'string' || !detailType.endsWith(' via CloudTrail')) {
    return {
      ok: false,
      reason: 'not an EventBridge event delivered via CloudTrail',
      errors: [{ path: 'detail-type', message: `expected "AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail", ...; got ${JSON.stringify(detailType)}` }],
    };
  }
  return { ok: true, record: item.detail, detailType, path: 'detail.' };
}

/** ConsoleLogin answers in `responseElements.ConsoleLogin`; any other call failed when it has an error code. */
function outcomeOf(record: CloudTrailRecord): Outcome {
  const login = stringField(record.responseElements, 'ConsoleLogin');
  if (login === 'Success') return 'success';
  if (login === 'Failure') return 'failure';
  return record.errorCode || record.errorMessage ? 'failure' : 'success';
}

/**
 * AWS knows whether MFA was used only for its own users (IAM users and root). A federated sign-in
 * always says "No" because the identity provider did the MFA, so it stays unknown.
 */
function mfaUsed(record: CloudTrailRecord): boolean | undefined {
  const type = record.userIdentity?.type;
  if (type !== 'IAMUser' && type !== 'Root') return undefined;
  const used = stringField(record.additionalEventData, 'MFAUsed');
  if (used === 'Yes') return true;
  if (used === 'No') return false;
  return undefined;
}

export const cloudtrailNormalizer: Normalizer = {
  split(body) {
    if (Array.isArray(body)) return checkBatchSize(body);
    if (isObject(body) && 'Records' in body) {
      const records = body.Records;
      if (!Array.isArray(records)) {
        return { ok: false, reason: ENVELOPES, errors: [{ path: 'Records', message: 'expected an array of CloudTrail records' }] };
      }
      // CloudTrail writes files with no records; forwarding one is not an error.
      return records.length === 0 ? { ok: true, items: [] } : checkBatchSize(records);
    }
    if (isObject(body) && ('detail-type' in body || 'eventID' in body)) return { ok: true, items: [body] };
    return { ok: false, reason: ENVELOPES, errors: [{ path: '(root)', message: `got ${describe(body)}` }] };
  },

  normalize(item, { source, receivedAt }): NormalizeResult {
    const unwrapped = unwrap(item);
    if (!unwrapped.ok) return unwrapped;
    const parsed = CloudTrailRecord.safeParse(unwrapped.record);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error).map((e) => ({ ...e, path: unwrapped.path + e.path }));
      return { ok: false, reason: 'does not match the CloudTrail record format', errors };
    }
    const record = parsed.data;
    const { kind, change, entity } = classify(record);
    const attributes: VigilEvent['attributes'] = {
      'aws.event_source': record.eventSource,
      'aws.event_type': record.eventType ?? null,
      'aws.region': record.awsRegion ?? null,
      'aws.account_id': accountOf(record) ?? null,
      'aws.identity_type': record.userIdentity?.type ?? null,
      'aws.invoked_by': record.userIdentity?.invokedBy ?? null,
      'aws.error_code': record.errorCode ?? null,
      'aws.error_message': record.errorMessage ?? null,
    };
    if (unwrapped.detailType) attributes['aws.eventbridge.detail_type'] = unwrapped.detailType;
    if (change) attributes[CHANGE] = change;
    const account = accountOf(record);
    if (account) attributes[TENANT] = account;
    if (record.userAgent) attributes[USER_AGENT] = record.userAgent.slice(0, USER_AGENT_MAX);
    if (isRoot(record)) attributes[ROOT] = true;
    if (kind === 'authentication') {
      attributes[INTERFACE] = 'console';
      const mfa = mfaUsed(record);
      if (mfa !== undefined) attributes[MFA_USED] = mfa;
    }
    const user = actorName(record);
    const ip = sourceIp(record);
    const event: VigilEvent = {
      id: `${source}:${record.eventID}`,
      source,
      kind,
      action: record.eventName,
      ocsfClassUid: OCSF_CLASS_BY_KIND[kind],
      time: new Date(record.eventTime).toISOString(),
      receivedAt,
      entity: entity ?? actorEntity(record),
      outcome: outcomeOf(record),
      actor: { ...(user ? { user } : {}), ...(ip ? { ip } : {}) },
      attributes,
      raw: item,
    };
    return { ok: true, event };
  },
};

function describe(body: unknown): string {
  if (body === null) return 'null';
  if (Array.isArray(body)) return 'an array';
  if (typeof body === 'object') return `an object with keys ${Object.keys(body).slice(0, 5).join(', ') || '(none)'}`;
  return typeof body;
}
