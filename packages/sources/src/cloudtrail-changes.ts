import type { Change, Entity, EventKind } from '@vigil/schema';
import { accountOf, actorEntity, iamUserKey, partitionOf, stringField, type CloudTrailRecord } from './cloudtrail-record';

/** What a CloudTrail record means to Vigil beyond who did it: its kind, the change, and whom it is about. */
export interface Classification {
  kind: EventKind;
  change?: Change;
  /** Whom the event is about when that is not the actor (the user whose MFA was removed, the trail stopped). */
  entity?: Entity;
}

/** IAM calls that change a person's access; everything else IAM does is API activity. */
const IAM_ACCOUNT_CHANGES = new Set([
  'CreateUser',
  'DeleteUser',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'DeleteLoginProfile',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'AddUserToGroup',
  'RemoveUserFromGroup',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'AttachGroupPolicy',
  'DetachGroupPolicy',
  'PutGroupPolicy',
  'AttachRolePolicy',
  'DetachRolePolicy',
  'PutRolePolicy',
  'EnableMFADevice',
  'DeactivateMFADevice',
  'CreateVirtualMFADevice',
  'DeleteVirtualMFADevice',
]);

/** AWS's managed full-access policy; any partition. */
const ADMIN_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;
/** Group names that by convention hold administrators ("Admins", "aws-administrators", "PlatformAdmin"). */
const ADMIN_GROUP_NAME = /admin/i;

export function classify(record: CloudTrailRecord): Classification {
  switch (record.eventSource) {
    case 'signin.amazonaws.com':
      return { kind: record.eventName === 'ConsoleLogin' ? 'authentication' : 'api_activity' };
    case 'iam.amazonaws.com':
      return IAM_ACCOUNT_CHANGES.has(record.eventName) ? classifyIam(record) : { kind: 'api_activity' };
    case 'cloudtrail.amazonaws.com':
      return classifyTrail(record);
    case 'backup.amazonaws.com':
      return classifyBackup(record);
    default:
      return { kind: 'api_activity' };
  }
}

function classifyIam(record: CloudTrailRecord): Classification {
  const params = record.requestParameters;
  const name = record.eventName;
  const policyArn = stringField(params, 'policyArn') ?? '';
  const groupName = stringField(params, 'groupName') ?? '';
  let change: Change | undefined;
  if (/^Attach(User|Group|Role)Policy$/.test(name) && ADMIN_POLICY_ARN.test(policyArn)) change = 'admin-granted';
  else if (/^Detach(User|Group|Role)Policy$/.test(name) && ADMIN_POLICY_ARN.test(policyArn)) change = 'admin-revoked';
  else if (/^Put(User|Group|Role)Policy$/.test(name) && grantsEverything(stringField(params, 'policyDocument'))) change = 'admin-granted';
  else if (name === 'AddUserToGroup' && ADMIN_GROUP_NAME.test(groupName)) change = 'admin-granted';
  else if (name === 'RemoveUserFromGroup' && ADMIN_GROUP_NAME.test(groupName)) change = 'admin-revoked';
  else if (name === 'CreateUser') change = 'user-created';
  else if (name === 'DeleteUser') change = 'user-deleted';
  else if (name === 'UpdateLoginProfile') change = 'password-reset';
  else if (name === 'DeactivateMFADevice' || name === 'DeleteVirtualMFADevice') change = 'mfa-removed';
  return { kind: 'account_change', ...(change ? { change } : {}), entity: iamTarget(record) };
}

/** The principal an IAM call changes: the user named in it, else the group or role, else the MFA device. */
function iamTarget(record: CloudTrailRecord): Entity {
  const params = record.requestParameters;
  const account = accountOf(record) ?? 'unknown';
  const arn = (kind: string, name: string) => `arn:${partitionOf(record)}:iam::${account}:${kind}/${name}`;
  const userName = stringField(params, 'userName');
  if (userName) return { type: 'user', id: iamUserKey(record, userName) };
  const groupName = stringField(params, 'groupName');
  if (groupName) return { type: 'resource', id: arn('group', groupName) };
  const roleName = stringField(params, 'roleName');
  if (roleName) return { type: 'resource', id: arn('role', roleName) };
  const serial = stringField(params, 'serialNumber');
  // The root user's own virtual device; any other device is named by its ARN.
  if (serial?.endsWith(':mfa/root-account-mfa-device')) return { type: 'account', id: account };
  if (serial) return { type: 'resource', id: serial };
  return actorEntity(record);
}

/** An inline policy that allows every action on every resource is administrator access by another name. */
export function grantsEverything(policyDocument: string | undefined): boolean {
  if (!policyDocument) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(policyDocument);
  } catch {
    return false;
  }
  const statements = (doc as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  const includesStar = (value: unknown) => value === '*' || (Array.isArray(value) && value.includes('*'));
  return list.some((s) => {
    const statement = s as { Effect?: unknown; Action?: unknown; Resource?: unknown } | null;
    return statement?.Effect === 'Allow' && includesStar(statement.Action) && includesStar(statement.Resource);
  });
}

function classifyTrail(record: CloudTrailRecord): Classification {
  const params = record.requestParameters;
  const change = trailChange(record.eventName, params);
  if (!change) return { kind: 'api_activity' };
  const dataStore = stringField(params, 'eventDataStore');
  const entity: Entity = dataStore ? { type: 'resource', id: dataStore } : (trailEntity(record) ?? actorEntity(record));
  return { kind: 'api_activity', change, entity };
}

function trailChange(eventName: string, params: Record<string, unknown> | null | undefined): Change | undefined {
  switch (eventName) {
    case 'StopLogging':
    case 'StopEventDataStoreIngestion':
      return 'audit-log-stopped';
    case 'DeleteTrail':
    case 'DeleteEventDataStore':
      return 'audit-log-deleted';
    case 'UpdateTrail':
      return narrowsTrail(params) ? 'audit-log-narrowed' : 'audit-log-changed';
    case 'PutEventSelectors':
      return narrowsSelectors(params) ? 'audit-log-narrowed' : 'audit-log-changed';
    case 'UpdateEventDataStore':
      return 'audit-log-changed';
    default:
      return undefined;
  }
}

/** Coverage switched off explicitly in the request: one region only, no global services, no file validation. */
function narrowsTrail(params: Record<string, unknown> | null | undefined): boolean {
  return params?.isMultiRegionTrail === false || params?.includeGlobalServiceEvents === false || params?.enableLogFileValidation === false;
}

/**
 * Basic selectors narrow when one drops management events or keeps only reads or only writes;
 * advanced selectors when none of them selects management events, or the one that does filters them.
 */
function narrowsSelectors(params: Record<string, unknown> | null | undefined): boolean {
  const basic = params?.eventSelectors;
  if (Array.isArray(basic)) {
    return basic.some((s) => {
      const selector = s as { includeManagementEvents?: unknown; readWriteType?: unknown } | null;
      return selector?.includeManagementEvents === false || (selector?.readWriteType !== undefined && selector.readWriteType !== 'All');
    });
  }
  const advanced = params?.advancedEventSelectors;
  if (Array.isArray(advanced)) {
    const management = advanced.filter((s) => fieldSelectors(s).some((f) => f.field === 'eventCategory' && includes(f.equals, 'Management')));
    return management.length === 0 || management.every((s) => fieldSelectors(s).some((f) => f.field !== 'eventCategory'));
  }
  return false;
}

function fieldSelectors(selector: unknown): Array<{ field?: unknown; equals?: unknown }> {
  const list = (selector as { fieldSelectors?: unknown } | null)?.fieldSelectors;
  return Array.isArray(list) ? (list as Array<{ field?: unknown; equals?: unknown }>) : [];
}

function includes(list: unknown, value: string): boolean {
  return Array.isArray(list) && list.includes(value);
}

/**
 * Trails are keyed by ARN. Requests name a trail either way; a bare name is completed with the
 * record's region and account (trail calls run in the trail's home region) so every call meets one key.
 */
function trailEntity(record: CloudTrailRecord): Entity | undefined {
  const params = record.requestParameters;
  const name = stringField(params, 'name') ?? stringField(params, 'trailName');
  const fromResponse = stringField(record.responseElements, 'trailARN');
  const fromResources = record.resources?.find((r) => r.type === 'AWS::CloudTrail::Trail')?.ARN ?? undefined;
  if (name?.startsWith('arn:')) return { type: 'resource', id: name };
  if (fromResponse) return { type: 'resource', id: fromResponse };
  if (fromResources) return { type: 'resource', id: fromResources };
  if (!name) return undefined;
  const account = accountOf(record);
  const region = record.awsRegion;
  return { type: 'resource', id: account && region ? `arn:${partitionOf(record)}:cloudtrail:${region}:${account}:trail/${name}` : name };
}

const BACKUP_POLICY_CHANGES = new Set([
  'UpdateBackupPlan',
  'DeleteBackupPlan',
  'DeleteBackupSelection',
  'DeleteBackupVault',
  'PutBackupVaultAccessPolicy',
  'DeleteBackupVaultLockConfiguration',
]);

function classifyBackup(record: CloudTrailRecord): Classification {
  const params = record.requestParameters;
  if (record.eventName === 'DeleteRecoveryPoint') {
    const id = stringField(params, 'recoveryPointArn') ?? stringField(params, 'backupVaultName');
    return { kind: 'api_activity', change: 'backup-deleted', ...(id ? { entity: { type: 'resource', id } } : {}) };
  }
  if (BACKUP_POLICY_CHANGES.has(record.eventName)) {
    const id = stringField(params, 'backupPlanId') ?? stringField(params, 'backupVaultName');
    return { kind: 'api_activity', change: 'backup-policy-changed', ...(id ? { entity: { type: 'resource', id } } : {}) };
  }
  return { kind: 'api_activity' };
}
