import type { VigilEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { cloudtrailNormalizer } from './cloudtrail-normalizer';
import type { NormalizeResult } from './normalizer';
import {
  apiCall,
  AWS_ACCOUNT,
  cloudTrailFile,
  consoleLogin,
  eventBridgeEvent,
  rootIdentity,
  successfulConsoleLogin,
  trailCall,
} from './testing/cloudtrail-samples';

const ctx = { source: 'aws', receivedAt: '2026-11-22T10:00:05.000Z' };
const janeArn = `arn:aws:iam::${AWS_ACCOUNT}:user/JaneDoe`;

function normalized(item: unknown): VigilEvent {
  const result: NormalizeResult = cloudtrailNormalizer.normalize(item, ctx);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}: ${JSON.stringify(result.errors)}`);
  return result.event;
}

describe('cloudtrail normaliser: console sign-in', () => {
  it('maps a failed IAM user sign-in field by field', () => {
    const event = normalized(consoleLogin());
    expect(event).toEqual({
      id: 'aws:11ea990b-4678-4bcd-8fbe-62509088b7cf',
      source: 'aws',
      kind: 'authentication',
      action: 'ConsoleLogin',
      ocsfClassUid: 3002,
      time: '2026-11-22T10:00:00.000Z',
      receivedAt: '2026-11-22T10:00:05.000Z',
      entity: { type: 'user', id: janeArn },
      outcome: 'failure',
      actor: { user: janeArn, ip: '192.0.2.100' },
      attributes: {
        'aws.event_source': 'signin.amazonaws.com',
        'aws.event_type': 'AwsConsoleSignIn',
        'aws.region': 'us-east-1',
        'aws.account_id': AWS_ACCOUNT,
        'aws.identity_type': 'IAMUser',
        'aws.invoked_by': null,
        'aws.error_code': null,
        'aws.error_message': 'Failed authentication',
        'vigil.interface': 'console',
        'vigil.tenant': AWS_ACCOUNT,
        'vigil.user_agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
        'vigil.mfa_used': false,
      },
      raw: consoleLogin(),
    });
  });

  it('a successful sign-in with MFA: success and vigil.mfa_used true', () => {
    const event = normalized(successfulConsoleLogin());
    expect(event.outcome).toBe('success');
    expect(event.attributes['vigil.mfa_used']).toBe(true);
    expect(event.attributes['vigil.root']).toBeUndefined();
  });

  it('a console sign-in without MFA: success and vigil.mfa_used false', () => {
    const event = normalized(successfulConsoleLogin({ additionalEventData: { MobileVersion: 'No', MFAUsed: 'No' } }));
    expect(event).toMatchObject({ outcome: 'success', attributes: { 'vigil.mfa_used': false, 'vigil.interface': 'console' } });
  });

  it('a root sign-in is about the account and marked vigil.root', () => {
    const event = normalized(successfulConsoleLogin({ userIdentity: rootIdentity, additionalEventData: { MFAUsed: 'No' } }));
    expect(event).toMatchObject({
      entity: { type: 'account', id: AWS_ACCOUNT },
      actor: { user: `arn:aws:iam::${AWS_ACCOUNT}:root` },
      attributes: { 'vigil.root': true, 'vigil.mfa_used': false, 'aws.identity_type': 'Root' },
    });
  });

  it('a failed sign-in without the user ARN meets the same entity as the successful one', () => {
    const failed = normalized(consoleLogin({ userIdentity: { type: 'IAMUser', accountId: AWS_ACCOUNT, accessKeyId: '', userName: 'JaneDoe' } }));
    const succeeded = normalized(successfulConsoleLogin());
    expect(failed.entity).toEqual(succeeded.entity);
  });

  it('a federated sign-in is keyed by the e-mail session name and leaves MFA unknown', () => {
    const event = normalized(
      successfulConsoleLogin({
        userIdentity: {
          type: 'AssumedRole',
          principalId: 'AROAEXAMPLEID:alice@example.com',
          arn: `arn:aws:sts::${AWS_ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com`,
          accountId: AWS_ACCOUNT,
          sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${AWS_ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef` } },
        },
        additionalEventData: { MFAUsed: 'No', SamlProviderArn: `arn:aws:iam::${AWS_ACCOUNT}:saml-provider/AWSSSO_0123_DO_NOT_DELETE` },
      }),
    );
    expect(event.entity).toEqual({ type: 'user', id: 'alice@example.com' });
    expect(event.attributes).not.toHaveProperty('vigil.mfa_used');
  });
});

describe('cloudtrail normaliser: IAM changes', () => {
  it('attaching AdministratorAccess to a user is admin-granted, about that user', () => {
    const event = normalized(apiCall('AttachUserPolicy', { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    expect(event).toMatchObject({
      id: 'aws:evt-AttachUserPolicy-0001',
      kind: 'account_change',
      ocsfClassUid: 3001,
      action: 'AttachUserPolicy',
      entity: { type: 'user', id: `arn:aws:iam::${AWS_ACCOUNT}:user/bob` },
      actor: { user: janeArn, ip: '198.51.100.23' },
      outcome: 'success',
      attributes: { 'vigil.change': 'admin-granted' },
    });
  });

  it('attaching AdministratorAccess to a role is admin-granted, about the role', () => {
    const event = normalized(apiCall('AttachRolePolicy', { roleName: 'deploy', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    expect(event.entity).toEqual({ type: 'resource', id: `arn:aws:iam::${AWS_ACCOUNT}:role/deploy` });
    expect(event.attributes['vigil.change']).toBe('admin-granted');
  });

  it('other policies are account changes without a vigil.change', () => {
    const event = normalized(apiCall('AttachUserPolicy', { userName: 'bob', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    expect(event.kind).toBe('account_change');
    expect(event.attributes).not.toHaveProperty('vigil.change');
  });

  it('an inline policy allowing everything, or joining an admins group, is admin-granted', () => {
    const inline = normalized(
      apiCall('PutUserPolicy', {
        userName: 'bob',
        policyName: 'break-glass',
        policyDocument: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      }),
    );
    expect(inline.attributes['vigil.change']).toBe('admin-granted');
    const group = normalized(apiCall('AddUserToGroup', { groupName: 'Admins', userName: 'bob' }));
    expect(group).toMatchObject({ entity: { id: `arn:aws:iam::${AWS_ACCOUNT}:user/bob` }, attributes: { 'vigil.change': 'admin-granted' } });
    const developers = normalized(apiCall('AddUserToGroup', { groupName: 'Developers', userName: 'bob' }));
    expect(developers.attributes).not.toHaveProperty('vigil.change');
  });

  it('deactivating an MFA device is mfa-removed, about the user who had it', () => {
    const event = normalized(apiCall('DeactivateMFADevice', { userName: 'bob', serialNumber: `arn:aws:iam::${AWS_ACCOUNT}:mfa/bob` }));
    expect(event).toMatchObject({ kind: 'account_change', entity: { type: 'user', id: `arn:aws:iam::${AWS_ACCOUNT}:user/bob` }, attributes: { 'vigil.change': 'mfa-removed' } });
    const rootDevice = normalized(apiCall('DeleteVirtualMFADevice', { serialNumber: `arn:aws:iam::${AWS_ACCOUNT}:mfa/root-account-mfa-device` }, { userIdentity: rootIdentity }));
    expect(rootDevice).toMatchObject({ entity: { type: 'account', id: AWS_ACCOUNT }, attributes: { 'vigil.change': 'mfa-removed', 'vigil.root': true } });
  });

  it('CreateAccessKey and DeleteLoginProfile are account changes about the target user', () => {
    for (const name of ['CreateAccessKey', 'DeleteLoginProfile']) {
      const event = normalized(apiCall(name, { userName: 'bob' }));
      expect(event).toMatchObject({ kind: 'account_change', entity: { type: 'user', id: `arn:aws:iam::${AWS_ACCOUNT}:user/bob` } });
      expect(event.attributes).not.toHaveProperty('vigil.change');
    }
    expect(normalized(apiCall('UpdateLoginProfile', { userName: 'bob' })).attributes['vigil.change']).toBe('password-reset');
  });
});

describe('cloudtrail normaliser: trail and backup changes', () => {
  const trailArn = `arn:aws:cloudtrail:us-east-1:${AWS_ACCOUNT}:trail/management-events`;

  it('StopLogging is audit-log-stopped, about the trail, named by ARN even when called by name', () => {
    const event = normalized(trailCall('StopLogging', { name: 'management-events' }));
    expect(event).toMatchObject({
      kind: 'api_activity',
      ocsfClassUid: 6003,
      entity: { type: 'resource', id: trailArn },
      outcome: 'success',
      attributes: { 'vigil.change': 'audit-log-stopped', 'aws.event_source': 'cloudtrail.amazonaws.com' },
    });
    expect(normalized(trailCall('DeleteTrail', { name: trailArn }))).toMatchObject({ entity: { id: trailArn }, attributes: { 'vigil.change': 'audit-log-deleted' } });
  });

  it('a refused StopLogging keeps its change and says failure', () => {
    const event = normalized(trailCall('StopLogging', { name: trailArn }, { errorCode: 'AccessDenied', errorMessage: 'User is not authorized to perform: cloudtrail:StopLogging' }));
    expect(event).toMatchObject({ outcome: 'failure', attributes: { 'vigil.change': 'audit-log-stopped', 'aws.error_code': 'AccessDenied' } });
  });

  it('UpdateTrail narrows when it drops regions, global services or validation; otherwise it is a change', () => {
    expect(normalized(trailCall('UpdateTrail', { name: 'management-events', isMultiRegionTrail: false })).attributes['vigil.change']).toBe('audit-log-narrowed');
    expect(normalized(trailCall('UpdateTrail', { name: 'management-events', s3BucketName: 'elsewhere' })).attributes['vigil.change']).toBe('audit-log-changed');
  });

  it('PutEventSelectors narrows when management events are dropped or filtered', () => {
    const dropped = trailCall('PutEventSelectors', {
      trailName: 'management-events',
      eventSelectors: [{ readWriteType: 'ReadOnly', includeManagementEvents: false, dataResources: [{ type: 'AWS::S3::Object', values: [] }], excludeManagementEventSources: [] }],
    });
    expect(normalized(dropped)).toMatchObject({ entity: { id: trailArn }, attributes: { 'vigil.change': 'audit-log-narrowed' } });
    const all = trailCall('PutEventSelectors', { trailName: 'management-events', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }] });
    expect(normalized(all).attributes['vigil.change']).toBe('audit-log-changed');
    const advanced = trailCall('PutEventSelectors', {
      trailName: 'management-events',
      advancedEventSelectors: [{ name: 'Management events', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }, { field: 'readOnly', equals: ['true'] }] }],
    });
    expect(normalized(advanced).attributes['vigil.change']).toBe('audit-log-narrowed');
  });

  it('DeleteRecoveryPoint is backup-deleted, about the recovery point', () => {
    const arn = `arn:aws:backup:us-east-1:${AWS_ACCOUNT}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45`;
    const event = normalized(apiCall('DeleteRecoveryPoint', { backupVaultName: 'Default', recoveryPointArn: arn }, { eventSource: 'backup.amazonaws.com' }));
    expect(event).toMatchObject({ kind: 'api_activity', entity: { type: 'resource', id: arn }, attributes: { 'vigil.change': 'backup-deleted' } });
  });

  it('anything else is API activity; service callers are not IP addresses', () => {
    const event = normalized(
      apiCall('DescribeInstances', null, {
        eventSource: 'ec2.amazonaws.com',
        sourceIPAddress: 'autoscaling.amazonaws.com',
        userIdentity: { type: 'AWSService', invokedBy: 'autoscaling.amazonaws.com' },
      }),
    );
    expect(event).toMatchObject({ kind: 'api_activity', ocsfClassUid: 6003, entity: { type: 'service', id: 'autoscaling.amazonaws.com' }, actor: { user: 'autoscaling.amazonaws.com' } });
    expect(event.actor.ip).toBeUndefined();
    expect(event.attributes).not.toHaveProperty('vigil.change');
  });
});

describe('cloudtrail normaliser: envelopes', () => {
  it('unwraps an EventBridge event; the id is the record eventID, the raw item the event as delivered', () => {
    const envelope = eventBridgeEvent(consoleLogin(), 'AWS Console Sign In via CloudTrail');
    const event = normalized(envelope);
    expect(event.id).toBe(normalized(consoleLogin()).id);
    expect(event.raw).toEqual(envelope);
    expect(event.attributes['aws.eventbridge.detail_type']).toBe('AWS Console Sign In via CloudTrail');
  });

  it('splits log files, arrays of EventBridge events and single records', () => {
    expect(cloudtrailNormalizer.split(cloudTrailFile([consoleLogin(), successfulConsoleLogin()]))).toMatchObject({ ok: true, items: { length: 2 } });
    expect(cloudtrailNormalizer.split([eventBridgeEvent(consoleLogin()), eventBridgeEvent(successfulConsoleLogin())])).toMatchObject({ ok: true, items: { length: 2 } });
    expect(cloudtrailNormalizer.split(consoleLogin())).toEqual({ ok: true, items: [consoleLogin()] });
    expect(cloudtrailNormalizer.split(cloudTrailFile([]))).toEqual({ ok: true, items: [] });
  });

  it('refuses other shapes with the path that is wrong', () => {
    expect(cloudtrailNormalizer.split({ Records: 'x' })).toMatchObject({ ok: false, errors: [{ path: 'Records' }] });
    expect(cloudtrailNormalizer.split({ records: [] })).toMatchObject({ ok: false, reason: expect.stringContaining('{"Records": [...]}'), errors: [{ path: '(root)' }] });
    expect(cloudtrailNormalizer.split('text')).toMatchObject({ ok: false });
  });

  it('names the missing field, inside detail for EventBridge events, and refuses other detail-types', () => {
    const { eventTime: _t, ...noTime } = consoleLogin();
    expect(cloudtrailNormalizer.normalize(noTime, ctx)).toMatchObject({ ok: false, errors: [{ path: 'eventTime' }] });
    expect(cloudtrailNormalizer.normalize(eventBridgeEvent(noTime), ctx)).toMatchObject({ ok: false, errors: [{ path: 'detail.eventTime' }] });
    const backupJob = { 'detail-type': 'Backup Job State Change', source: 'aws.backup', detail: { state: 'COMPLETED' } };
    expect(cloudtrailNormalizer.normalize(backupJob, ctx)).toMatchObject({ ok: false, errors: [{ path: 'detail-type' }] });
  });
});
