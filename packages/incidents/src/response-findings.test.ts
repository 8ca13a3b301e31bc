import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection } from './detection-fixtures';
import { migratedStore } from './store-test-helpers';

describe('PgIncidentStore.recordResponseFinding', () => {
  test('writes one timeline entry per finding key, in the hash chain, and the chain still verifies', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection(firingDetection({ id: 'rf-1' }));
    const incidentId = opened.incident?.id ?? '';
    const data = { key: `${incidentId}.ack-overdue`, dueAt: '2026-01-01T00:36:00.000Z', overdueSeconds: 60, notified: ['U1'] };

    expect(await store.recordResponseFinding(incidentId, 'ack-overdue', data)).toBe(true);
    expect(await store.recordResponseFinding(incidentId, 'ack-overdue', data)).toBe(false);

    const detail = await store.getIncident(incidentId);
    const findings = detail?.timeline.filter((entry) => entry.kind === 'response-finding') ?? [];
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      actor: 'system:response-timers',
      data: expect.objectContaining({ finding: 'ack-overdue', key: data.key, notified: ['U1'] }),
    });
    expect((await store.verifyChain()).ok).toBe(true);
  });

  test('refuses an unknown incident', async ({ database }) => {
    const { store } = await migratedStore(database.pool);
    await expect(
      store.recordResponseFinding('00000000-0000-4000-8000-000000000000', 'unresolved-overdue', { key: 'x' }),
    ).rejects.toThrow(/no incident/);
  });
});
