import { isIP } from 'node:net';
import { Timestamp, type Entity } from '@vigil/schema';
import { z } from 'zod';

/** Optional text that some forwarders write as `null` rather than leaving out. */
const text = z.string().nullish();
const JsonObject = z.record(z.string(), z.unknown());

export const CloudTrailUserIdentity = z.object({
  /** Root, IAMUser, AssumedRole, FederatedUser, IdentityCenterUser, SAMLUser, WebIdentityUser, AWSService, AWSAccount. */
  type: text,
  principalId: text,
  arn: text,
  accountId: text,
  userName: text,
  invokedBy: text,
  sessionContext: z
    .object({
      sessionIssuer: z.object({ type: text, arn: text, userName: text }).nullish(),
      sourceIdentity: text,
    })
    .nullish(),
  onBehalfOf: z.object({ userId: text }).nullish(),
});
export type CloudTrailUserIdentity = z.infer<typeof CloudTrailUserIdentity>;

/** The parts of a CloudTrail record Vigil reads; the rest stays in `raw`. */
export const CloudTrailRecord = z.object({
  eventID: z.string().min(1).max(200),
  eventTime: Timestamp,
  eventName: z.string().min(1).max(200),
  eventSource: z.string().min(1).max(200),
  eventType: text,
  awsRegion: text,
  sourceIPAddress: text,
  userAgent: text,
  userIdentity: CloudTrailUserIdentity.nullish(),
  errorCode: text,
  errorMessage: text,
  requestParameters: JsonObject.nullish(),
  responseElements: JsonObject.nullish(),
  additionalEventData: JsonObject.nullish(),
  recipientAccountId: text,
  resources: z.array(z.object({ ARN: text, type: text })).nullish(),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecord>;

export function stringField(object: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function accountOf(record: CloudTrailRecord): string | undefined {
  return record.recipientAccountId ?? record.userIdentity?.accountId ?? undefined;
}

/** aws, aws-cn or aws-us-gov, read from any ARN in the record; ARNs Vigil builds use the same one. */
export function partitionOf(record: CloudTrailRecord): string {
  const arn = record.userIdentity?.arn ?? record.resources?.find((r) => r.ARN)?.ARN;
  return /^arn:(aws[a-z-]*):/.exec(arn ?? '')?.[1] ?? 'aws';
}

/**
 * IAM users are keyed by an ARN without the user's path: a failed sign-in record carries only the user
 * name, an IAM change only the name of the user it targets, and both must meet the same entity.
 */
export function iamUserKey(record: CloudTrailRecord, userName: string): string {
  const account = accountOf(record);
  return account ? `arn:${partitionOf(record)}:iam::${account}:user/${userName}` : userName;
}

export function isRoot(record: CloudTrailRecord): boolean {
  return record.userIdentity?.type === 'Root';
}

/** An e-mail address as a role session name (IAM Identity Center, most SAML set-ups) names the person. */
function sessionEmail(identity: CloudTrailUserIdentity): string | undefined {
  const session = identity.arn?.split('/').pop();
  const candidates = [identity.sessionContext?.sourceIdentity, session];
  return candidates.find((c): c is string => typeof c === 'string' && /^[^@\s/]+@[^@\s/]+$/.test(c));
}

/** Who acted, as an entity: the user for people, the account for its root, the service for AWS itself. */
export function actorEntity(record: CloudTrailRecord): Entity {
  const identity = record.userIdentity;
  const account = accountOf(record) ?? 'unknown';
  switch (identity?.type) {
    case 'Root':
      return { type: 'account', id: identity.accountId ?? account };
    case 'IAMUser':
      return identity.userName ? { type: 'user', id: iamUserKey(record, identity.userName) } : { type: 'account', id: account };
    case 'AssumedRole':
    case 'FederatedUser': {
      const id = sessionEmail(identity) ?? identity.arn ?? identity.principalId;
      return id ? { type: 'user', id } : { type: 'account', id: account };
    }
    case 'AWSService':
      return identity.invokedBy ? { type: 'service', id: identity.invokedBy } : { type: 'account', id: account };
    default: {
      const id = identity?.userName ?? identity?.onBehalfOf?.userId ?? identity?.arn ?? identity?.principalId;
      return id ? { type: 'user', id } : { type: 'account', id: identity?.accountId ?? account };
    }
  }
}

/** The actor's name for `actor.user`: the same key as the entity for people, the root ARN for root. */
export function actorName(record: CloudTrailRecord): string | undefined {
  const identity = record.userIdentity;
  if (!identity) return undefined;
  if (identity.type === 'IAMUser' && identity.userName) return iamUserKey(record, identity.userName);
  if (identity.type === 'AssumedRole' || identity.type === 'FederatedUser') return sessionEmail(identity) ?? identity.arn ?? undefined;
  return identity.arn ?? identity.userName ?? identity.invokedBy ?? identity.principalId ?? undefined;
}

/** `sourceIPAddress` holds a service name ("cloudtrail.amazonaws.com", "AWS Internal") for AWS's own calls. */
export function sourceIp(record: CloudTrailRecord): string | undefined {
  const value = record.sourceIPAddress;
  return value && isIP(value) !== 0 ? value : undefined;
}
