/**
 * Reports API activity resources (Admin SDK `activities.list`, applications `login` and `admin`), for
 * tests and docs. Parameter shapes follow the Login and Admin audit activity event references.
 */
type Json = Record<string, unknown>;

export const GOOGLE_CUSTOMER = 'C03az79cb';

export function activity(applicationName: string, events: Json[], overrides: Json = {}): Json {
  return {
    kind: 'admin#reports#activity',
    id: { time: '2026-11-22T10:00:00.000Z', uniqueQualifier: '-4002873813067783265', applicationName, customerId: GOOGLE_CUSTOMER },
    etag: '"JDMC8884sebSctZ17CIssbQ/aBCdeFG1hIjKlmNoPq2rStUvWxY"',
    actor: { callerType: 'USER', email: 'alice@example.com', profileId: '114511147312345678901' },
    ipAddress: '203.0.113.7',
    events,
    ...overrides,
  };
}

export function loginEvent(name: string, parameters: Json[]): Json {
  return { type: 'login', name, parameters };
}

export function loginSuccess(methods: string[] = ['password', 'google_authenticator'], overrides: Json = {}): Json {
  return activity(
    'login',
    [
      loginEvent('login_success', [
        { name: 'login_type', value: 'google_password' },
        { name: 'login_challenge_method', multiValue: methods },
        { name: 'is_suspicious', boolValue: false },
      ]),
    ],
    overrides,
  );
}

export function loginFailure(overrides: Json = {}): Json {
  return activity(
    'login',
    [
      loginEvent('login_failure', [
        { name: 'login_type', value: 'google_password' },
        { name: 'login_challenge_method', multiValue: ['password'] },
        { name: 'login_failure_type', value: 'login_failure_invalid_password' },
        { name: 'is_suspicious', boolValue: false },
      ]),
    ],
    { id: { time: '2026-11-22T09:59:00.000Z', uniqueQualifier: '7725016830219403342', applicationName: 'login', customerId: GOOGLE_CUSTOMER }, ...overrides },
  );
}

/** An admin console action by admin@example.com; `parameters` as name/value pairs. */
export function adminEvent(type: string, name: string, parameters: Record<string, string>, overrides: Json = {}): Json {
  return activity(
    'admin',
    [{ type, name, parameters: Object.entries(parameters).map(([n, value]) => ({ name: n, value })) }],
    {
      id: { time: '2026-11-22T11:00:00.000Z', uniqueQualifier: '-8123450912837465012', applicationName: 'admin', customerId: GOOGLE_CUSTOMER },
      actor: { callerType: 'USER', email: 'admin@example.com', profileId: '101234567890123456789' },
      ipAddress: '198.51.100.9',
      ...overrides,
    },
  );
}

export function activitiesPage(items: unknown[]): Json {
  return { kind: 'admin#reports#activities', etag: '"JDMC8884sebSctZ17CIssbQ/xyz"', items, nextPageToken: 'A:1763805600000000:-4002873813067783265:login:C03az79cb' };
}
