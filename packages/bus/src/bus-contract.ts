import { vi, type ExpectStatic } from 'vitest';
import { describe, test } from '../../../test/fixtures/services';
import { BusUnavailableError, type Bus } from './bus';
import { Inbox, range, records, type Attempt } from './bus-contract-inbox';

/** What a bus factory may use: names unique to the test, and the test Kafka. */
export interface BusContractContext {
  uid: string;
  kafkaBrokers: string[];
}

/**
 * Makes an unstarted bus. Topics must have at least 4 partitions (the kcat broker auto-creates 4;
 * the embedded bus defaults to 4), and the first retry back-off must be at least 100 ms.
 */
export type MakeBus = (context: BusContractContext) => Promise<Bus>;

interface ContractTestContext {
  uid: string;
  bus: Bus;
  expect: ExpectStatic;
}

const MIN_BACKOFF_MS = 100;
const WAIT = { timeout: 25_000, interval: 50 };
/**
 * A group test waits on joins, a member's departure and then up to `WAIT` for records: about 14 s on a
 * quiet machine with librdkafka's mock broker, which lets a departed member's partitions go only after
 * a session timeout. The contract tests run side by side, so a loaded CI host needs the headroom.
 */
const CONTRACT_TEST_TIMEOUT_MS = 60_000;

/** The suite both `KafkaBus` and `EmbeddedBus` pass: what the rest of Vigil relies on. */
export function describeBusContract(name: string, makeBus: MakeBus): void {
  // The tests share nothing (own topics and groups) and mostly wait on Kafka group joins, so they run
  // side by side; `expect` comes from each test's context, as vitest asks of concurrent tests.
  describe.concurrent(`${name} keeps the bus contract`, () => {
    /** Every test gets a started bus of its own, stopped when the test ends. */
    function contractTest(title: string, body: (context: ContractTestContext) => Promise<void>): void {
      test(
        title,
        async ({ uid, kafkaBrokers, onTestFinished, expect }) => {
          const bus = await makeBus({ uid, kafkaBrokers });
          onTestFinished(() => bus.stop());
          await bus.start();
          await body({ uid, bus, expect });
        },
        CONTRACT_TEST_TIMEOUT_MS,
      );
    }

    contractTest(
      'delivers records of one key in publish order, one batch at a time',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.order`;
        const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
        const published = new Map(keys.map((key) => [key, [] as string[]]));
        for (let round = 0; round < 4; round += 1) {
          const batch = keys.map((key) => ({ key, value: `${key}-${round}` }));
          for (const { key, value } of batch) published.get(key)!.push(value);
          await bus.publish(topic, batch);
        }
        const inbox = new Inbox();
        await bus.subscribe({ groupId: `${uid}.g`, topics: [topic], eachBatch: inbox.handler() });

        await vi.waitFor(() => expect(inbox.handled()).toHaveLength(24), WAIT);
        const startedAt = Date.now();
        for (const key of keys) {
          const mine = inbox.handled().filter((message) => message.key === key);
          expect(mine.map((message) => message.value.toString())).toEqual(published.get(key));
          expect(new Set(mine.map((message) => message.partition)).size).toBe(1);
          const offsets = mine.map((message) => BigInt(message.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          for (const message of mine) {
            expect(message.topic).toBe(topic);
            expect(Math.abs(message.timestamp - startedAt)).toBeLessThan(60_000);
          }
        }
        expect(inbox.maxInFlight).toBe(1);
      },
    );

    contractTest('spreads keys over partitions, each key staying on one', async ({ uid, bus, expect }) => {
      const topic = `${uid}.spread`;
      const keys = Array.from({ length: 40 }, (_, i) => `entity-${i}`);
      await bus.publish(
        topic,
        keys.map((key) => ({ key, value: key })),
      );
      await bus.publish(
        topic,
        keys.map((key) => ({ key, value: `${key}-again` })),
      );
      const inbox = new Inbox();
      await bus.subscribe({ groupId: `${uid}.g`, topics: [topic], eachBatch: inbox.handler() });

      await vi.waitFor(() => expect(inbox.handled()).toHaveLength(80), WAIT);
      const partitionsByKey = new Map<string, Set<number>>();
      for (const message of inbox.handled()) {
        const seen = partitionsByKey.get(message.key!) ?? new Set<number>();
        partitionsByKey.set(message.key!, seen.add(message.partition));
      }
      for (const partitions of partitionsByKey.values()) expect(partitions.size).toBe(1);
      const used = new Set(inbox.handled().map((message) => message.partition));
      expect(used.size).toBeGreaterThanOrEqual(3);
    });

    contractTest(
      'two members of a group split the partitions and see every record exactly once',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.split`;
        const groupId = `${uid}.g`;
        const first = new Inbox();
        const second = new Inbox();
        const a = await bus.subscribe({ groupId, topics: [topic], eachBatch: first.handler() });
        const b = await bus.subscribe({ groupId, topics: [topic], eachBatch: second.handler() });
        const keys = Array.from({ length: 40 }, (_, i) => `host-${i}`);
        // Delivery is at least once while the group rebalances (a record the first member took before the
        // second joined may come again to the second, also after both have had records, while the first
        // still works an assignment it is about to lose). The promise is exactly once in a settled group:
        // warm-up rounds until two in a row each came exactly once, both members had some, and no
        // partition went to both.
        const roundSettled = async (round: number): Promise<boolean> => {
          const tag = `:warm-up-${round}`;
          const ofRound = (inbox: Inbox) =>
            inbox.handled().filter((message) => message.value.toString('utf8').endsWith(tag));
          for (let waited = 0; ofRound(first).length + ofRound(second).length < keys.length; waited += 50) {
            if (waited > 5_000) return false;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await new Promise((resolve) => setTimeout(resolve, 250)); // room for a late repeat to show
          const [mine, theirs] = [ofRound(first), ofRound(second)];
          const partitionsOfFirst = new Set(mine.map((message) => message.partition));
          return (
            mine.length + theirs.length === keys.length &&
            mine.length > 0 &&
            theirs.length > 0 &&
            theirs.every((message) => !partitionsOfFirst.has(message.partition))
          );
        };
        for (let round = 0, inARow = 0; inARow < 2; round++) {
          if (round >= 120) throw new Error('the group did not settle within 120 warm-up rounds');
          await bus.publish(
            topic,
            keys.map((key) => ({ key, value: `${key}:warm-up-${round}` })),
          );
          inARow = (await roundSettled(round)) ? inARow + 1 : 0;
        }
        const settled = (inbox: Inbox) =>
          inbox.handled().filter((message) => !message.value.toString('utf8').includes(':warm-up-'));
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: `${key}:1` })),
        );
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: `${key}:2` })),
        );

        await vi.waitFor(() => expect(settled(first).length + settled(second).length).toBe(80), WAIT);
        await Promise.all([a.stop(), b.stop()]);

        const all = [...settled(first), ...settled(second)].map((message) => message.value.toString('utf8'));
        expect(all).toHaveLength(80);
        expect(new Set(all).size).toBe(80);
        expect(settled(first).length).toBeGreaterThan(0);
        expect(settled(second).length).toBeGreaterThan(0);
        const firstPartitions = new Set(settled(first).map((message) => message.partition));
        const shared = settled(second).filter((message) => firstPartitions.has(message.partition));
        expect(shared).toEqual([]);
      },
    );

    contractTest(
      'when a member leaves, the rest of the group takes over its partitions',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.leave`;
        const groupId = `${uid}.g`;
        const stays = new Inbox();
        const leaves = new Inbox();
        await bus.subscribe({ groupId, topics: [topic], eachBatch: stays.handler() });
        const leaving = await bus.subscribe({ groupId, topics: [topic], eachBatch: leaves.handler() });
        await leaving.stop();
        const keys = Array.from({ length: 40 }, (_, i) => `account-${i}`);
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: key })),
        );

        // At-least-once: a batch handled while the group rebalances may come again, never go missing.
        await vi.waitFor(() => expect(new Set(stays.values()).size).toBe(40), WAIT);
        expect(leaves.handled()).toEqual([]);
        expect(new Set(stays.handled().map((message) => message.partition)).size).toBeGreaterThanOrEqual(3);
      },
    );

    contractTest(
      'a failing handler gets the same batch again after a back-off, and nothing is lost',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.retry`;
        const values = range('event', 5);
        await bus.publish(topic, records('one-key', values));
        const inbox = new Inbox();
        let failuresLeft = 2;
        await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: inbox.handler(() => {
            if (failuresLeft-- > 0) throw new Error('downstream unavailable');
          }),
        });

        await vi.waitFor(() => expect(inbox.values()).toEqual(values), WAIT);
        const [firstTry, secondTry, thirdTry] = inbox.attempts;
        expect(inbox.attempts.map((attempt) => attempt.ok)).toEqual([false, false, true]);
        const offsets = (attempt: Attempt | undefined) =>
          attempt?.batch.messages.map((message) => message.offset);
        expect(offsets(secondTry)).toEqual(offsets(firstTry));
        expect(offsets(thirdTry)).toEqual(offsets(firstTry));
        expect(secondTry!.at - firstTry!.at).toBeGreaterThanOrEqual(MIN_BACKOFF_MS);
        expect(thirdTry!.at - secondTry!.at).toBeGreaterThanOrEqual(MIN_BACKOFF_MS);
      },
    );

    contractTest(
      'a partition that keeps failing does not hold back the others',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.poison`;
        const keys = Array.from({ length: 16 }, (_, i) => `user-${i}`);
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: key })),
        );
        const inbox = new Inbox();
        await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          eachBatch: inbox.handler((batch) => {
            if (batch.messages.some((message) => message.key === 'user-0')) throw new Error('poison record');
          }),
        });

        // Every key shows up: handled, or stuck behind the poison record in its own partition.
        await vi.waitFor(() => {
          const accounted = new Set(
            inbox.attempts.flatMap((attempt) => attempt.batch.messages.map((m) => m.key)),
          );
          expect([...accounted].sort()).toEqual([...keys].sort());
          expect(inbox.failures().length).toBeGreaterThanOrEqual(2);
        }, WAIT);
        const poisonPartition = inbox.failures()[0]!.batch.partition;
        expect(inbox.handled().some((message) => message.partition === poisonPartition)).toBe(false);
        expect(inbox.handled().length).toBeGreaterThan(0);
      },
    );

    contractTest(
      'a new member of the group resumes after the committed offsets and gets uncommitted records again',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.resume`;
        const groupId = `${uid}.g`;
        const before = new Inbox();
        const first = await bus.subscribe({
          groupId,
          topics: [topic],
          eachBatch: before.handler((batch) => {
            if (batch.messages.some((message) => message.value.toString().startsWith('second'))) {
              throw new Error('cannot handle these yet');
            }
          }),
        });
        await bus.publish(topic, records('one-key', range('first', 5)));
        await vi.waitFor(() => expect(before.values()).toEqual(range('first', 5)), WAIT);
        await bus.publish(topic, records('one-key', range('second', 5)));
        await vi.waitFor(() => expect(before.failures().length).toBeGreaterThan(0), WAIT);
        await first.stop();

        const after = new Inbox();
        await bus.subscribe({ groupId, topics: [topic], eachBatch: after.handler() });
        await bus.publish(topic, records('one-key', ['third-0']));

        await vi.waitFor(() => expect(after.values()).toContain('third-0'), WAIT);
        expect(after.values()).toEqual([...range('second', 5), 'third-0']);
      },
    );

    contractTest(
      'stopping a subscription lets the batch in flight finish and commit',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.drain`;
        const groupId = `${uid}.g`;
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        const inbox = new Inbox();
        const subscription = await bus.subscribe({
          groupId,
          topics: [topic],
          eachBatch: inbox.handler(() => released),
        });
        await bus.publish(topic, records('one-key', range('slow', 3)));
        await vi.waitFor(() => expect(inbox.inFlight).toBe(1), WAIT);

        let stopped = false;
        const stopping = subscription.stop().then(() => (stopped = true));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(stopped).toBe(false);
        release();
        await stopping;
        expect(inbox.values()).toEqual(range('slow', 3));

        const next = new Inbox();
        await bus.subscribe({ groupId, topics: [topic], eachBatch: next.handler() });
        await bus.publish(topic, records('one-key', ['after-stop']));
        await vi.waitFor(() => expect(next.values()).toContain('after-stop'), WAIT);
        expect(next.values()).toEqual(['after-stop']);
      },
    );

    contractTest('headers and values round-trip byte for byte', async ({ uid, bus, expect }) => {
      const topic = `${uid}.headers`;
      const binary = Buffer.from([0, 1, 2, 254, 255]);
      await bus.publish(topic, [
        {
          key: 'k',
          value: binary,
          headers: { traceparent: '00-abc-def-01', 'content-type': 'application/json' },
        },
        { key: 'k', value: 'plain text, non-ASCII: é ✓' },
      ]);
      const inbox = new Inbox();
      await bus.subscribe({ groupId: `${uid}.g`, topics: [topic], eachBatch: inbox.handler() });

      await vi.waitFor(() => expect(inbox.handled()).toHaveLength(2), WAIT);
      const [withHeaders, withoutHeaders] = inbox.handled();
      expect(withHeaders!.value.equals(binary)).toBe(true);
      expect(withHeaders!.headers).toEqual({
        traceparent: '00-abc-def-01',
        'content-type': 'application/json',
      });
      expect(withHeaders!.key).toBe('k');
      expect(withoutHeaders!.value.toString('utf8')).toBe('plain text, non-ASCII: é ✓');
      expect(withoutHeaders!.headers).toEqual({});
    });

    contractTest(
      'partitionsConsumedConcurrently lets one member work several partitions at once',
      async ({ uid, bus, expect }) => {
        const topic = `${uid}.parallel`;
        await bus.publish(
          topic,
          Array.from({ length: 40 }, (_, i) => ({ key: `device-${i}`, value: `${i}` })),
        );
        const inbox = new Inbox();
        await bus.subscribe({
          groupId: `${uid}.g`,
          topics: [topic],
          partitionsConsumedConcurrently: 2,
          // Each batch holds on until a second one is in flight (or a second has passed).
          eachBatch: inbox.handler(async () => {
            const until = Date.now() + 1_000;
            while (inbox.inFlight < 2 && Date.now() < until)
              await new Promise((resolve) => setTimeout(resolve, 10));
          }),
        });

        await vi.waitFor(() => expect(inbox.handled()).toHaveLength(40), WAIT);
        expect(inbox.maxInFlight).toBe(2);
      },
    );

    contractTest('stop() is idempotent, and a stopped bus refuses work', async ({ uid, bus, expect }) => {
      const topic = `${uid}.stop`;
      const subscription = await bus.subscribe({
        groupId: `${uid}.g`,
        topics: [topic],
        eachBatch: async () => undefined,
      });
      await Promise.all([bus.stop(), bus.stop()]);
      await bus.stop();
      await subscription.stop();
      await expect(bus.publish(topic, records('k', ['late']))).rejects.toBeInstanceOf(BusUnavailableError);
      await expect(
        bus.subscribe({ groupId: `${uid}.g2`, topics: [topic], eachBatch: async () => undefined }),
      ).rejects.toBeInstanceOf(BusUnavailableError);
    });
  });
}
