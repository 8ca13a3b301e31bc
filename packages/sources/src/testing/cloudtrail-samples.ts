/**
 * CloudTrail records in the shapes AWS writes them (CloudTrail User Guide, "CloudTrail record contents"
 * and the sign-in event examples), for tests and docs.
 */
type Json = Record<string, unknown>;

export const AWS_ACCOUNT = '111122223333';

export function iamUserIdentity(userName = 'JaneDoe'): Json {
  return {
    type: 'IAMUser',
    principalId: 'AIDACKCEVSQ6C2EXAMPLE',
    arn: `arn:aws:iam::${AWS_ACCOUNT}:user/${userName}`,
    accountId: AWS_ACCOUNT,
    accessKeyId: '',
    userName,
  };
}

export const rootIdentity: Json = {
  type: 'Root',
  principalId: AWS_ACCOUNT,
  arn: `arn:aws:iam::${AWS_ACCOUNT}:root`,
  accountId: AWS_ACCOUNT,
  accessKeyId: '',
};

/** A console sign-in; by default a failed password sign-in of an IAM user without MFA. */
export function consoleLogin(overrides: Json = {}): Json {
  return {
    eventVersion: '1.08',
    userIdentity: iamUserIdentity(),
    eventTime: '2026-11-22T10:00:00Z',
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.100',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
    errorMessage: 'Failed authentication',
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Failure' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'No' },
    eventID: '11ea990b-4678-4bcd-8fbe-62509088b7cf',
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    managementEvent: true,
    recipientAccountId: AWS_ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  };
}

export function successfulConsoleLogin(overrides: Json = {}): Json {
  const { errorMessage: _unused, ...success } = consoleLogin({
    eventID: '3fcfb182-98f8-4744-bd45-10a395ab61cb',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/s3/', MobileVersion: 'No', MFAUsed: 'Yes' },
    ...overrides,
  });
  return success;
}

/** A management API call; by default an IAM call by JaneDoe from the CLI. */
export function apiCall(eventName: string, requestParameters: Json | null, overrides: Json = {}): Json {
  return {
    eventVersion: '1.09',
    userIdentity: iamUserIdentity(),
    eventTime: '2026-11-22T10:05:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.23',
    userAgent: 'aws-cli/2.17.0 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64',
    requestParameters,
    responseElements: null,
    requestID: '9e8f7a6b-0c1d-4e2f-8a9b-0c1d2e3f4a5b',
    eventID: `evt-${eventName}-0001`,
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: AWS_ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  };
}

export function trailCall(eventName: string, requestParameters: Json, overrides: Json = {}): Json {
  return apiCall(eventName, requestParameters, { eventSource: 'cloudtrail.amazonaws.com', eventID: `evt-${eventName}-trail`, ...overrides });
}

/** What EventBridge delivers to a rule target (an API destination) for a CloudTrail record. */
export function eventBridgeEvent(detail: Json, detailType = 'AWS API Call via CloudTrail'): Json {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: `aws.${String(detail.eventSource).split('.')[0]}`,
    account: AWS_ACCOUNT,
    time: detail.eventTime,
    region: detail.awsRegion,
    resources: [],
    detail,
  };
}

/** A log file as CloudTrail writes it to S3. */
export function cloudTrailFile(records: unknown[]): Json {
  return { Records: records };
}
