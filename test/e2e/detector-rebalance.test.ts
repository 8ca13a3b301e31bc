import { topicNames, type VigilEvent } from '@vigil/schema';
import { afterEach, describe, expect, test } from '../fixtures/services';
import {
  PARTITIONS,
  detectionIdsByUser,
  failedSignIn,
  kafkaBus,
  publishEvents,
  startDetectorMember,
  tapDetections,
  usersPerPartition,
  type DetectionTap,
  type DetectorMember,
} from './detector-harness';
import { eventually } from './pipeline-harness';

/**
 * Per partition: two users who reach the brute-force threshold (5) across the rebalance, and one
 * control user who stops at 4. Event times are a minute ago and increasing, well inside the 10 min window.
 */
function plan(uid: string) {
  const spread = usersPerPartition(uid, 3);
  const attackers = [...spread.values()].flatMap((users) => users.slice(0, 2));
  const controls = [...spread.values()].map((users) => users[2]!);
  const before: VigilEvent[] = [];
  const after: VigilEvent[] = [];
  for (const user of [...attackers, ...controls]) {
    for (let i = 0; i < 3; i++) before.push(failedSignIn(user, `${user}-${i}`, 60 - i * 5));
    const more = controls.includes(user) ? 1 : 2;
    for (let i = 3; i < 3 + more; i++) after.push(failedSignIn(user, `${user}-${i}`, 60 - i * 5));
  }
  return { attackers, controls, before, after };
}

function processedBy(members: readonly DetectorMember[]): Set<string> {
  return new Set(members.flatMap((member) => member.processed));
}

async function allProcessed(members: readonly DetectorMember[], events: readonly VigilEvent[], what: string): Promise<void> {
  await eventually(
    async () => {
      const seen = processedBy(members);
      return events.every((event) => seen.has(event.id)) ? true : undefined;
    },
    30_000,
    what,
  );
}

/** Waits until every attacker has a detection record, lets stragglers (redeliveries) land, then checks. */
async function expectOneDetectionPerAttacker(
  tap: DetectionTap,
  attackers: readonly string[],
  controls: readonly string[],
): Promise<Map<string, string[]>> {
  await eventually(
    async () => {
      const byUser = detectionIdsByUser(tap.records);
      return attackers.every((user) => byUser.has(user)) ? true : undefined;
    },
    40_000,
    'a brute-force detection for every user',
  );
  // A redelivered batch would republish within a poll interval or two; give it that long to show up.
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  const byUser = detectionIdsByUser(tap.records);
  for (const user of attackers) {
    const ids = byUser.get(user) ?? [];
    expect(ids.length, `records for ${user}`).toBeGreaterThanOrEqual(1);
    // At-least-once may repeat a record, but only with the same id: never a second, distinct detection.
    expect(new Set(ids), `distinct detection ids for ${user}`).toEqual(new Set([ids[0]]));
    expect(ids[0]).toContain(`user:${user}`);
  }
  for (const user of controls) expect(byUser.get(user), `detections for control ${user}`).toBeUndefined();
  expect([...byUser.keys()].sort()).toEqual([...attackers].sort());
  return byUser;
}

// The mock broker delays a new group's first join by ~3 s and a rebalance by ~5 s.
describe('detector stages in one consumer group on Kafka', { timeout: 90_000 }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  test('a member leaving mid-window hands its users to the other, which fires once per user', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    redis,
  }) => {
    const topics = topicNames(`${uid}.`);
    const groupId = `${uid}-detector`;
    const keyPrefix = `${uid}:det:`;
    const { attackers, controls, before, after } = plan(uid);

    const producer = kafkaBus(kafkaBrokers, `${uid}-producer`);
    cleanups.push(() => producer.stop());
    await producer.start();
    const tap = await tapDetections(kafkaBrokers, uid, topics);
    cleanups.push(() => tap.stop());

    const common = { kafkaBrokers, redisUrl, uid, topics, groupId, keyPrefix };
    const stays = await startDetectorMember({ ...common, name: 'stays' });
    cleanups.push(() => stays.stop());
    const leaves = await startDetectorMember({ ...common, name: 'leaves' });
    cleanups.push(() => leaves.stop());

    // First 3 failures per user: below the threshold, split over both members.
    await publishEvents(producer, topics, before);
    await allProcessed([stays, leaves], before, 'the first failures');
    expect(stays.partitions.size, 'partitions worked by the member that stays').toBeGreaterThan(0);
    expect(leaves.partitions.size, 'partitions worked by the member that leaves').toBeGreaterThan(0);
    expect(tap.records).toEqual([]);
    // Both detectors keep their windows in the one shared key prefix.
    expect((await redis.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);

    // One member leaves mid-window: the group rebalances and the other takes its partitions.
    const processedByLeaver = leaves.processed.length;
    await leaves.stop();

    await publishEvents(producer, topics, after);
    const byUser = await expectOneDetectionPerAttacker(tap, attackers, controls);
    await allProcessed([stays], after, 'the later failures by the remaining member');

    expect(leaves.processed).toHaveLength(processedByLeaver);
    expect(stays.partitions.size).toBe(PARTITIONS);
    // The crossings that fell in the leaver's former partitions were counted with its earlier state.
    const leaverUsers = attackers.filter((user) => leaves.processed.includes(`okta:${user}-0`));
    expect(leaverUsers.length).toBeGreaterThan(0);
    for (const user of leaverUsers) expect(byUser.get(user)?.[0]).toContain(`okta:${user}-4`);
  });

  test('a member restarted mid-window resumes from the committed offsets and fires once per user', async ({
    uid,
    kafkaBrokers,
    redisUrl,
    redis,
  }) => {
    const topics = topicNames(`${uid}.`);
    const groupId = `${uid}-detector`;
    const keyPrefix = `${uid}:det:`;
    const { attackers, controls, before, after } = plan(uid);

    const producer = kafkaBus(kafkaBrokers, `${uid}-producer`);
    cleanups.push(() => producer.stop());
    await producer.start();
    const tap = await tapDetections(kafkaBrokers, uid, topics);
    cleanups.push(() => tap.stop());

    const common = { kafkaBrokers, redisUrl, uid, topics, groupId, keyPrefix };
    const first = await startDetectorMember({ ...common, name: 'first' });
    cleanups.push(() => first.stop());
    await publishEvents(producer, topics, before);
    await allProcessed([first], before, 'the first failures');
    expect(first.partitions.size).toBe(PARTITIONS);
    expect((await redis.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);
    await first.stop();

    const second = await startDetectorMember({ ...common, name: 'second' });
    cleanups.push(() => second.stop());
    await publishEvents(producer, topics, after);
    const byUser = await expectOneDetectionPerAttacker(tap, attackers, controls);
    await allProcessed([second], after, 'the later failures by the restarted member');

    // Committed offsets: the restarted member never saw the first failures again.
    const firstIds = new Set(before.map((event) => event.id));
    expect(second.processed.filter((id) => firstIds.has(id))).toEqual([]);
    for (const user of attackers) expect(byUser.get(user)?.[0]).toContain(`okta:${user}-4`);
  });
});
