/**
 * Sample payloads in the shapes Alertmanager and AWS Backup really send (Alertmanager webhook v4,
 * AWS Backup EventBridge events), and Vigil's own backup record, for tests and docs.
 */
export function alertmanagerAlert(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    status: 'firing',
    labels: {
      alertname: 'ProbeFailure',
      instance: 'https://checkout.example.com',
      job: 'blackbox-http',
      service: 'checkout-api',
      severity: 'critical',
      region: 'eu-west-1',
    },
    annotations: {
      summary: 'checkout-api is down',
      description: 'https://checkout.example.com has failed its probe for 5 minutes',
    },
    startsAt: '2026-11-22T10:00:05.828457123Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=probe_success+%3D%3D+0',
    fingerprint: '1a30ba71cca2921f',
    ...overrides,
  };
}

export function alertmanagerWebhook(alerts: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="ProbeFailure"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'ProbeFailure' },
    commonLabels: { alertname: 'ProbeFailure', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts,
    ...overrides,
  };
}

export function vigilBackupRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'db-main-nightly-2026-11-22',
    type: 'backup',
    job: 'db-main-nightly',
    service: 'db-main',
    state: 'completed',
    startedAt: '2026-11-22T02:00:00Z',
    finishedAt: '2026-11-22T02:14:30Z',
    sizeBytes: 73_400_320_000,
    ...overrides,
  };
}

function eventBridge(detailType: string, detail: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '0',
    id: '710b0398-d48e-f3c3-afca-cfeb2fdaa656',
    'detail-type': detailType,
    source: 'aws.backup',
    account: '123456789012',
    time: '2026-11-22T02:31:07Z',
    region: 'eu-west-1',
    resources: ['arn:aws:rds:eu-west-1:123456789012:db:db-main'],
    detail,
    ...overrides,
  };
}

export function awsBackupJobEvent(
  detail: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return eventBridge(
    'Backup Job State Change',
    {
      backupJobId: '3ae4a2f9-6a6e-4c54-9d9c-3a1f5e0e6b11',
      backupSizeInBytes: '73400320000',
      backupVaultArn: 'arn:aws:backup:eu-west-1:123456789012:backup-vault:prod-vault',
      backupVaultName: 'prod-vault',
      bytesTransferred: '73400320000',
      creationDate: '2026-11-22T02:00:00.000Z',
      completionDate: '2026-11-22T02:30:41.000Z',
      iamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
      resourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:db-main',
      resourceType: 'RDS',
      state: 'COMPLETED',
      percentDone: '100.0',
      createdBy: {
        backupPlanId: 'b1b2c3d4-plan',
        backupPlanArn: 'arn:aws:backup:eu-west-1:123456789012:backup-plan:b1b2c3d4-plan',
        backupPlanVersion: 'ZmFrZQ',
        backupRuleId: 'r1-nightly',
      },
      ...detail,
    },
    overrides,
  );
}

export function awsRestoreJobEvent(
  detail: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return eventBridge(
    'Restore Job State Change',
    {
      restoreJobId: '5B2E4B8A-0C1D-9E8F-RESTORE',
      backupSizeInBytes: '73400320000',
      creationDate: '2026-11-23T04:00:00.000Z',
      completionDate: '2026-11-23T04:20:00.000Z',
      iamRoleArn: 'arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole',
      percentDone: '100.0',
      recoveryPointArn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-3ae4a2f9',
      resourceType: 'RDS',
      status: 'COMPLETED',
      createdResourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:db-main-restore-test',
      sourceResourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:db-main',
      ...detail,
    },
    { id: 'c2f1e0d9-1111-2222-3333-restorejob01', time: '2026-11-23T04:21:00Z', ...overrides },
  );
}

export function awsRecoveryPointEvent(
  detail: Record<string, unknown> = {},
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return eventBridge(
    'Recovery Point State Change',
    {
      backupVaultName: 'prod-vault',
      recoveryPointArn: 'arn:aws:rds:eu-west-1:123456789012:snapshot:awsbackup:job-3ae4a2f9',
      resourceArn: 'arn:aws:rds:eu-west-1:123456789012:db:db-main',
      resourceType: 'RDS',
      status: 'DELETED',
      creationDate: '2026-11-22T02:00:00.000Z',
      ...detail,
    },
    { id: 'a7d3c1b2-4444-5555-6666-recoverypt01', time: '2026-11-24T09:12:00Z', ...overrides },
  );
}
