import { NonRetryableError } from '@vigil/runtime';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, test } from 'vitest';
import { BusUnavailableError } from './bus';
import { publishError } from './kafka-publish-error';

// The librdkafka mock broker accepts oversized records and odd topic names, so these use kafkajs's
// own error classes the way its producer raises them.
describe('publishError', () => {
  test('a record Kafka refuses is not worth retrying', () => {
    const refused = new KafkaJSProtocolError({
      type: 'MESSAGE_TOO_LARGE',
      message: 'The request included a message larger than the max message size the server will accept',
      retriable: false,
    } as unknown as string);
    // kafkajs's producer bails out with the broker's error as it is.
    const error = publishError('publishing 1 record(s) to t', refused);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(error.message).toMatch(/refused publishing 1 record\(s\) to t/);
  });

  test('a broker that cannot be reached means the bus is unavailable', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    const error = publishError(
      'publishing',
      new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1 }),
    );
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
