import { describe, expect, it } from 'vitest';
import { DeliveryIdGuard } from './github-delivery-guard';

const sigA = `sha256=${'a'.repeat(64)}`;
const sigB = `sha256=${'b'.repeat(64)}`;

describe('DeliveryIdGuard', () => {
  it('a signed body replayed under a new delivery id keeps its first id', () => {
    const guard = new DeliveryIdGuard();
    expect(guard.stableId('github', sigA, 'd-1')).toBe('d-1');
    expect(guard.stableId('github', sigA, 'd-1')).toBe('d-1');
    expect(guard.stableId('github', sigA, 'd-forged')).toBe('d-1');
  });

  it('a delivery id reused for a different body does not collide with the first', () => {
    const guard = new DeliveryIdGuard();
    guard.stableId('github', sigA, 'd-1');
    expect(guard.stableId('github', sigB, 'd-1')).toBe(`d-1.${'b'.repeat(16)}`);
  });

  it('remembers per source and forgets the least recently seen past its bound', () => {
    const guard = new DeliveryIdGuard(2);
    expect(guard.stableId('other', sigA, 'x')).toBe('x');
    guard.stableId('github', sigA, 'd-1');
    guard.stableId('github', sigB, 'd-2');
    guard.stableId('github', sigA, 'd-1'); // refreshes A
    guard.stableId('github', `sha256=${'c'.repeat(64)}`, 'd-3'); // evicts B
    expect(guard.stableId('github', sigA, 'new')).toBe('d-1');
    expect(guard.stableId('github', sigB, 'd-9')).toBe('d-9');
  });

  it('stabilize rewrites only x-github-delivery, and only when both headers are there', () => {
    const guard = new DeliveryIdGuard();
    guard.stableId('github', sigA, 'd-1');
    expect(guard.stabilize('github', 'x-hub-signature-256', { 'x-hub-signature-256': sigA, 'x-github-delivery': 'd-2', 'x-github-event': 'ping' })).toEqual({
      'x-hub-signature-256': sigA,
      'x-github-delivery': 'd-1',
      'x-github-event': 'ping',
    });
    const noDelivery = { 'x-hub-signature-256': sigA };
    expect(guard.stabilize('github', 'x-hub-signature-256', noDelivery)).toBe(noDelivery);
  });
});
