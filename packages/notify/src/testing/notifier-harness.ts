import type { Logger } from '@vigil/telemetry';
import { test as serviceTest } from '../../../../test/fixtures/services';
import { startSlackStandin, type SlackStandin } from '../../../../test/fixtures/slack-standin';
import { createNotifier, type Notifier, type NotifierOptions } from '../notifier';
import { parseOwners, type OwnersConfig } from '../owners';
import { MemoryNotificationStore } from './memory-notification-store';

export const SLACK_TOKEN = 'xoxb-vigil-notify-test';

export const TEST_OWNERS: OwnersConfig = parseOwners(
  [
    'fallbackChannel: "#soc"',
    'owners:',
    '  - match: { rule: "identity.*" }',
    '    team: security',
    '    channel: "#sec-identity"',
    '    oncall: [U0SECONC1]',
    '  - match: { rule: "availability.*" }',
    '    team: sre',
    '    channel: "#sre"',
  ].join('\n'),
  'test-owners.yaml',
);

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what it was told, so tests can read the log like an operator would. */
export function recordingLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { entries: LogEntry[] } {
  const write = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, msg, fields: { ...bindings, ...(obj as Record<string, unknown>) } });
  };
  return {
    entries,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

export interface NotifierHarness {
  notifier: Notifier;
  store: MemoryNotificationStore;
  logger: ReturnType<typeof recordingLogger>;
  stop(): Promise<void>;
}

/**
 * A started notifier on a queue of the test's own, talking to the stand-in (or to the log when
 * `slack` is undefined), with retries fast enough for a test.
 */
export async function startNotifierHarness(options: {
  uid: string;
  redisUrl: string;
  slack: SlackStandin | undefined;
  overrides?: Partial<NotifierOptions>;
}): Promise<NotifierHarness> {
  // Several notifiers on one queue (several workers) share one store, as they would share the database.
  const store =
    options.overrides?.store instanceof MemoryNotificationStore
      ? options.overrides.store
      : new MemoryNotificationStore();
  const logger = recordingLogger();
  const notifier = createNotifier({
    connection: { url: options.redisUrl },
    queueName: `notify-${options.uid}`,
    store,
    owners: TEST_OWNERS,
    ...(options.slack ? { slack: { token: SLACK_TOKEN, apiUrl: options.slack.url } } : {}),
    logger,
    retry: { attempts: 12, backoffMs: 100 },
    orderWaitMs: 100,
    sweeper: false,
    ...options.overrides,
  });
  await notifier.start();
  return { notifier, store, logger, stop: () => notifier.stop() };
}

export interface NotifyFixtures {
  /** A Slack stand-in that accepts SLACK_TOKEN; stopped after the test. */
  slack: SlackStandin;
  /** Starts a notifier for the test (Slack through the stand-in unless `slack: undefined`); stopped after it. */
  startNotifier(options?: {
    slack?: SlackStandin | undefined;
    overrides?: Partial<NotifierOptions>;
  }): Promise<NotifierHarness>;
}

export const test = serviceTest.extend<NotifyFixtures>({
  // eslint-disable-next-line no-empty-pattern
  slack: async ({}, use) => {
    const slack = await startSlackStandin({ token: SLACK_TOKEN });
    await use(slack);
    await slack.stop();
  },
  // `redis` is taken so its teardown (which deletes the test's keys) runs after the notifiers stop.
  startNotifier: async ({ uid, redisUrl, redis: _redis, slack }, use) => {
    const started: NotifierHarness[] = [];
    await use(async (options = {}) => {
      const harness = await startNotifierHarness({
        uid,
        redisUrl,
        slack: 'slack' in options ? options.slack : slack,
        ...(options.overrides ? { overrides: options.overrides } : {}),
      });
      started.push(harness);
      return harness;
    });
    for (const harness of started) await harness.stop();
  },
});

export { expect, describe } from 'vitest';
