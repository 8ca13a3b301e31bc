import { describe, expect, test } from '../../../test/fixtures/services';
import { firingDetection } from './detection-fixtures';
import type { Pool } from 'pg';
import { UnknownNotificationError, loadForDelivery } from './notification-outbox';
import { migratedStore, registerCounts } from './store-test-helpers';

describe('PgIncidentStore as the notification outbox', () => {
  test('a notification goes from pending to sent, and the message lands in communications and timeline', async ({
    database,
  }) => {
    const { store, clock } = await migratedStore(database.pool);
    const opened = await store.applyDetection(firingDetection({ id: 'bf-1' }));
    const openedId = opened.notifications[0]?.id ?? '';

    // The sweeper only takes what has waited long enough for the normal path to have failed.
    expect(await store.listUndelivered(60_000, 10)).toEqual([]);
    clock.advance(61_000);
    expect((await store.listUndelivered(60_000, 10)).map((n) => n.id)).toEqual([openedId]);

    const loaded = await store.loadForDelivery(openedId);
    expect(loaded?.notification).toMatchObject({ id: openedId, kind: 'opened', status: 'pending' });
    expect(loaded?.incident).toMatchObject({
      seq: 1,
      title: 'Brute force against alice@example.com',
      slack: null,
    });

    const post = {
      method: 'chat.postMessage' as const,
      channel: 'C0SECOPS',
      ts: '1767225960.000100',
      text: 'INC-1',
    };
    await store.recordDelivery(openedId, [post]);
    await store.recordDelivery(openedId, [post]); // a retried job that had in fact succeeded

    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail?.slack).toEqual({ channel: 'C0SECOPS', ts: '1767225960.000100' });
    expect(detail?.communications).toEqual([
      expect.objectContaining({
        method: 'chat.postMessage',
        channel: 'C0SECOPS',
        ts: '1767225960.000100',
        threadTs: null,
      }),
    ]);
    expect(detail?.timeline.at(-1)).toMatchObject({
      kind: 'notified',
      actor: 'vigil:notifier',
      data: {
        channel: 'C0SECOPS',
        ts: '1767225960.000100',
        method: 'chat.postMessage',
        notificationId: openedId,
      },
    });
    expect(detail?.notifications[0]).toMatchObject({
      status: 'sent',
      attempts: 1,
      sentAt: '2026-01-01T00:07:01.000Z',
    });
    expect(await store.listUndelivered(0, 10)).toEqual([]);
    expect(await registerCounts(database.pool)).toMatchObject({ communications: 1, timeline: 2 });
  });

  test('only the first top-level post becomes the incident message; updates and thread replies do not', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection(firingDetection({ id: 'bf-1' }));
    await store.recordDelivery(opened.notifications[0]?.id ?? '', [
      { method: 'chat.postMessage', channel: 'C1', ts: '100.1', text: 'INC-1 opened' },
    ]);
    const updated = await store.applyDetection(firingDetection({ id: 'bf-2' }));
    await store.recordDelivery(updated.notifications[0]?.id ?? '', [
      { method: 'chat.update', channel: 'C1', ts: '100.1', text: 'INC-1 (2 detections)' },
      { method: 'chat.postMessage', channel: 'C1', ts: '100.2', threadTs: '100.1', text: 'seen again' },
    ]);

    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail?.slack).toEqual({ channel: 'C1', ts: '100.1' });
    expect(detail?.communications.map((c) => [c.method, c.ts, c.threadTs])).toEqual([
      ['chat.postMessage', '100.1', null],
      ['chat.update', '100.1', null],
      ['chat.postMessage', '100.2', '100.1'],
    ]);
    expect(detail?.timeline.map((entry) => entry.kind)).toEqual([
      'detected',
      'notified',
      'detection-added',
      'notified',
      'notified',
    ]);
  });

  test('an update loaded while the opening message is recorded sees it pending or sees its message, never neither', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    // The opening delivery commits after each of loadForDelivery's reads in turn.
    for (const after of [1, 2, 3]) {
      const user = `u${after}@example.com`;
      const detection = (id: string) =>
        firingDetection({
          id,
          dedupKey: `identity.brute-force:user:${user}`,
          entity: { type: 'user', id: user },
        });
      const opened = await store.applyDetection(detection(`r${after}-1`));
      const updated = await store.applyDetection(detection(`r${after}-2`));
      const openedId = opened.notifications[0]?.id ?? '';
      const updatedId = updated.notifications[0]?.id ?? '';
      expect(updated.notifications[0]?.kind).toBe('updated');
      let reads = 0;
      const racing = {
        query: async (...args: Parameters<Pool['query']>) => {
          const result = await (database.pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
          if (++reads === after)
            await store.recordDelivery(openedId, [
              { method: 'chat.postMessage', channel: 'C1', ts: `${after}00.1`, text: `INC opened` },
            ]);
          return result;
        },
      } as unknown as Pool;
      const loaded = await loadForDelivery(racing, updatedId);
      expect(reads, `opening recorded after read ${after}`).toBe(3);
      // Either the update waits for the opening, or it knows the message to update: never a second post.
      const waits = (loaded?.earlierPending ?? 0) > 0;
      expect(waits || loaded?.incident.slack !== null, `opening recorded after read ${after}`).toBe(true);
      expect(waits).toBe(after > 1);
    }
  });

  test('failures are counted; the final one makes the notification dead and says so in the timeline', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    const opened = await store.applyDetection(firingDetection({ id: 'bf-1' }));
    const id = opened.notifications[0]?.id ?? '';

    await store.recordFailure(id, 'slack 503', false);
    expect(await store.listUndelivered(0, 10)).toEqual([
      expect.objectContaining({ id, attempts: 1, status: 'pending' }),
    ]);

    await store.recordFailure(id, 'channel_not_found', true);
    expect(await store.listUndelivered(0, 10)).toEqual([]);
    const detail = await store.getIncident(opened.incident?.id ?? '');
    expect(detail?.notifications[0]).toMatchObject({
      status: 'dead',
      attempts: 2,
      lastError: 'channel_not_found',
    });
    expect(detail?.timeline.at(-1)).toMatchObject({
      kind: 'notification-failed',
      data: { notificationId: id, reason: 'channel_not_found', attempts: 2 },
    });
    // A late failure report for a notification that is no longer pending changes nothing.
    await store.recordFailure(id, 'late', true);
    expect((await store.getIncident(opened.incident?.id ?? ''))?.notifications[0]?.attempts).toBe(2);
  });

  test('unknown notification ids: nothing to load, and recording against one is an error', async ({
    database,
  }) => {
    const { store } = await migratedStore(database.pool);
    expect(await store.loadForDelivery('nope')).toBeNull();
    await expect(
      store.recordDelivery('nope', [{ method: 'log', channel: 'log', ts: '1', text: 'x' }]),
    ).rejects.toBeInstanceOf(UnknownNotificationError);
    await expect(store.recordFailure('nope', 'x', false)).rejects.toBeInstanceOf(UnknownNotificationError);
  });

  test('listUndelivered is oldest first and honours the limit', async ({ database }) => {
    const { store, clock } = await migratedStore(database.pool);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await store.applyDetection(firingDetection({ id: `d-${i}`, dedupKey: `k:${i}` }));
      ids.push(result.notifications[0]?.id ?? '');
      clock.advance(1000);
    }
    expect((await store.listUndelivered(0, 2)).map((n) => n.id)).toEqual(ids.slice(0, 2));
    expect((await store.listUndelivered(1500, 10)).map((n) => n.id)).toEqual(ids.slice(0, 2));
  });
});
