import { describe, expect, test } from 'vitest';
import type { IncomingMessage } from './bus';
import { decode } from './codec';

const event = {
  id: 'okta:abc',
  source: 'okta',
  kind: 'authentication',
  action: 'user.session.start',
  ocsfClassUid: 3002,
  time: '2026-12-03T18:00:00.000Z',
  receivedAt: '2026-12-03T18:00:01.123Z',
  entity: { type: 'user', id: 'ada@example.com' },
  outcome: 'failure',
  actor: { user: 'ada@example.com', ip: '203.0.113.7' },
  attributes: { count: 3 },
  raw: { uuid: 'abc' },
};

function record(value: string): IncomingMessage {
  return {
    topic: 'vigil.events',
    partition: 0,
    offset: '0',
    key: 'k',
    value: Buffer.from(value),
    headers: {},
    timestamp: 0,
  };
}

describe('decode of the events topic', () => {
  test('an event of the exact shape comes back as written', () => {
    expect(decode('events', record(JSON.stringify(event)))).toEqual({ ok: true, value: event, text: JSON.stringify(event) });
  });

  test('anything else is judged by the schema: unknown keys stripped, defaults filled, poison refused', () => {
    const { actor: _actor, ...noActor } = event;
    const judged = decode('events', record(JSON.stringify({ ...noActor, extra: 1 })));
    expect(judged.ok && judged.value).toEqual({ ...noActor, actor: {} });
    // The text kept with it is the event as judged, not as received.
    expect(judged.ok && JSON.parse(judged.text)).toEqual({ ...noActor, actor: {} });
    // A lone surrogate as JSON writes it: valid JSON text, refused by the schema with the field named.
    const poison = decode(
      'events',
      record(JSON.stringify(event).replace('user.session.start', 'login\\ud800')),
    );
    expect(poison).toMatchObject({ ok: false, errors: [expect.objectContaining({ path: 'action' })] });
    expect(decode('events', record('{"id":'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not JSON/),
    });
  });
});
