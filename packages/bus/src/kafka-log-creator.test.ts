import { logLevel } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { kafkaLogCreator } from './kafka-log-creator';
import { recordingLogger } from '@vigil/telemetry';

function entry(level: logLevel, message: string, extra: Record<string, unknown> = {}) {
  return {
    namespace: 'Connection',
    level,
    label: logLevel[level],
    log: { timestamp: 'now', message, logger: 'kafkajs', ...extra },
  };
}

describe('kafkaLogCreator', () => {
  test('passes kafkajs warnings and errors to the Logger, and nothing quieter', () => {
    const logger = recordingLogger();
    const log = kafkaLogCreator(logger)(logLevel.WARN);
    log(entry(logLevel.DEBUG, 'Request Fetch'));
    log(entry(logLevel.INFO, 'Consumer has joined the group'));
    log(entry(logLevel.WARN, 'Consumer group received unsubscribed topics', { groupId: 'g' }));
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED', { broker: '127.0.0.1:1' }));

    expect(logger.lines).toEqual([
      {
        level: 'warn',
        msg: 'Consumer group received unsubscribed topics',
        fields: { component: 'kafkajs', namespace: 'Connection', groupId: 'g' },
      },
      {
        level: 'error',
        msg: 'Connection error: connect ECONNREFUSED',
        fields: { component: 'kafkajs', namespace: 'Connection', broker: '127.0.0.1:1' },
      },
    ]);
  });

  test('reports routine rebalance answers as warnings, not errors', () => {
    const logger = recordingLogger();
    const log = kafkaLogCreator(logger)(logLevel.WARN);
    log(
      entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', {
        error: 'The group is rebalancing, so a rejoin is needed',
      }),
    );
    expect(logger.lines.map((line) => line.level)).toEqual(['warn']);
  });
});

describe('kafkaLogCreator offset resets', () => {
  test('counts each "Offset out of range" reset through the hook and still logs it', () => {
    const logger = recordingLogger();
    const seen: unknown[] = [];
    const log = kafkaLogCreator(logger, { onOffsetOutOfRange: (fields) => seen.push(fields) })(logLevel.WARN);
    log(entry(logLevel.ERROR, 'Offset out of range, resetting to default offset', { topic: 't', partition: 2, groupId: 'g' }));
    log(entry(logLevel.INFO, 'Offset out of range while fetching from follower, retrying with leader', { topic: 't' }));
    log(entry(logLevel.ERROR, 'Connection error', {}));
    expect(seen).toEqual([{ topic: 't', partition: 2, groupId: 'g' }]);
    expect(logger.lines.map((l) => l.msg)).toContain('Offset out of range, resetting to default offset');
  });
});
