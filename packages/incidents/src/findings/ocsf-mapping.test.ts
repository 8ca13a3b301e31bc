import { describe, expect, test } from '../../../../test/fixtures/services';
import { firingDetection } from '../detection-fixtures';
import { migratedStore } from '../store-test-helpers';
import { findingsForEntry } from './ocsf-mapping';

describe('OCSF incident findings', () => {
  test('count the events behind the incident and date the last one by event time, not processing time', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    clock.set('2026-02-02T10:00:00.000Z');
    const evidence = (n: number, time: string) => ({ eventId: `okta:e${n}`, topic: 'vigil.events', partition: 1, offset: String(n), time });
    const opened = await store.applyDetection(
      firingDetection({
        id: 'd1',
        dedupKey: 'ocsf:count',
        firstEventAt: '2026-02-02T09:58:00.000Z',
        detectedAt: '2026-02-02T09:59:30.000Z',
        evidence: [evidence(1, '2026-02-02T09:58:00.000Z'), evidence(2, '2026-02-02T09:58:30.000Z'), evidence(3, '2026-02-02T09:59:00.000Z')],
      }),
    );
    const incident = await store.getIncident(opened.incident!.id);
    const [finding] = findingsForEntry(incident!.timeline[0]!, incident!);
    expect(finding).toMatchObject({ class_uid: 2005 });
    const info = (finding as { finding_info_list: Array<{ related_events_count: number; last_seen_time: number }> }).finding_info_list[0]!;
    expect(info.related_events_count).toBe(incident!.eventCount);
    expect(incident!.eventCount).toBe(3);
    expect(info.last_seen_time).toBe(Date.parse('2026-02-02T09:59:00.000Z'));
  });
});
