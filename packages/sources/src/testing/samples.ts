/** Sample payloads in the shapes the sources really send, for tests and docs. */
export function oktaLogEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: 'b9a0b2c1-2f4e-11ef-9a3c-8b2f5c1d0a01',
    published: '2026-11-22T10:00:00.000Z',
    eventType: 'user.session.start',
    version: '0',
    severity: 'INFO',
    displayMessage: 'User login to Okta',
    actor: { id: '00u1a2b3c4D5E6F7G8h9', type: 'User', alternateId: 'alice@example.com', displayName: 'Alice Doe' },
    client: { ipAddress: '203.0.113.7', userAgent: { rawUserAgent: 'Mozilla/5.0' }, zone: 'null' },
    outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
    target: [],
    transaction: { type: 'WEB', id: 'Zx1' },
    ...overrides,
  };
}

export function oktaHookDelivery(events: unknown[]): Record<string, unknown> {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://example.okta.com/api/v1/eventHooks/who8vt36qfNpCGz9H1e6',
    eventId: 'a1b2c3',
    eventTime: '2026-11-22T10:00:01.000Z',
    contentType: 'application/json',
    data: { events },
  };
}

export function genericEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'evt-1',
    kind: 'authentication',
    action: 'login',
    time: '2026-11-22T10:00:00Z',
    entity: { type: 'user', id: 'bob@example.com' },
    outcome: 'failure',
    actor: { user: 'bob@example.com', ip: '198.51.100.4' },
    attributes: { method: 'password' },
    ...overrides,
  };
}
