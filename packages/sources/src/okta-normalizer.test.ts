import { describe, expect, it } from 'vitest';
import { oktaNormalizer } from './okta-normalizer';
import { oktaHookDelivery, oktaLogEvent } from './testing/samples';

const ctx = { source: 'okta', receivedAt: '2026-11-22T10:00:02.000Z' };

describe('okta normaliser', () => {
  it('maps a failed sign-in field by field', () => {
    const result = oktaNormalizer.normalize(oktaLogEvent(), ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).toMatchObject({
      id: 'okta:b9a0b2c1-2f4e-11ef-9a3c-8b2f5c1d0a01',
      source: 'okta',
      kind: 'authentication',
      action: 'user.session.start',
      ocsfClassUid: 3002,
      time: '2026-11-22T10:00:00.000Z',
      entity: { type: 'user', id: 'alice@example.com' },
      outcome: 'failure',
      actor: { user: 'alice@example.com', ip: '203.0.113.7' },
    });
    expect(result.event.attributes['okta.outcome.reason']).toBe('INVALID_CREDENTIALS');
    expect(result.event.raw).toEqual(oktaLogEvent());
  });

  it("keeps the client's country (geographical context) as vigil.country, as the code an address table gives, and none when Okta gives none", () => {
    const countryOf = (country: string) => {
      const client = { ipAddress: '203.0.113.7', geographicalContext: { country, city: 'Cluj' } };
      const result = oktaNormalizer.normalize(oktaLogEvent({ client }), ctx);
      return result.ok ? result.event.attributes['vigil.country'] : 'refused';
    };
    expect(countryOf('Romania')).toBe('RO');
    expect(countryOf('United States')).toBe('US');
    expect(countryOf('united kingdom')).toBe('GB');
    // A name ICU does not know is kept as Okta wrote it rather than dropped.
    expect(countryOf('Atlantis')).toBe('Atlantis');
    const without = oktaNormalizer.normalize(oktaLogEvent(), ctx);
    expect(without.ok && without.event.attributes['vigil.country']).toBeUndefined();
  });

  it('attributes an MFA factor deactivation to the user it targets', () => {
    const result = oktaNormalizer.normalize(
      oktaLogEvent({
        eventType: 'user.mfa.factor.deactivate',
        actor: { id: '00uadmin', type: 'User', alternateId: 'admin@example.com', displayName: 'Admin' },
        outcome: { result: 'SUCCESS' },
        target: [{ id: '00ubob', type: 'User', alternateId: 'bob@example.com', displayName: 'Bob' }],
      }),
      ctx,
    );
    expect(result.ok && result.event).toMatchObject({
      kind: 'account_change',
      ocsfClassUid: 3001,
      entity: { type: 'user', id: 'bob@example.com' },
      actor: { user: 'admin@example.com' },
      outcome: 'success',
    });
  });

  it('splits an event hook delivery and refuses other shapes with the field path', () => {
    const split = oktaNormalizer.split(oktaHookDelivery([oktaLogEvent(), oktaLogEvent({ uuid: 'x2' })]));
    expect(split.ok && split.items).toHaveLength(2);
    const bad = oktaNormalizer.split({ data: { evnts: [] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]?.path).toBe('data.events');
  });

  it('names the missing field of a malformed LogEvent', () => {
    const { published: _published, ...withoutTime } = oktaLogEvent();
    const result = oktaNormalizer.normalize(withoutTime, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual(['published']);
  });
});
