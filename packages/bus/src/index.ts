export { BusFullError, BusUnavailableError } from './bus';
export type {
  Bus,
  OutgoingMessage,
  IncomingMessage,
  IncomingBatch,
  SubscribeOptions,
  Subscription,
} from './bus';
export { encode, decode } from './codec';
export type { Decoded } from './codec';
export { createBus, KAFKA_CLIENTS } from './create-bus';
export type { CreateBusOptions, KafkaClientName } from './create-bus';
export { KafkaBus } from './kafka-bus';
export type { KafkaBusOptions } from './kafka-bus';
export { PlatformaticBus } from './platformatic-bus';
export type { PlatformaticBusOptions } from './platformatic-bus';
export { EmbeddedBus } from './embedded-bus';
export type { EmbeddedBusOptions } from './embedded-bus';
export { DEFAULT_RETRY_BACKOFF } from './backoff';
export { PublishBatcher, DEFAULT_PUBLISH_BATCHING } from './publish-batcher';
export type { PublishBatching, PublishBatcherOptions, PendingPublish } from './publish-batcher';
export { KafkaOffsetsReader } from './kafka-offsets-reader';
export type { KafkaOffsetsReaderOptions } from './kafka-offsets-reader';
export type { KafkaLogHooks } from './kafka-log-creator';
export type { RetryBackoff } from './backoff';
// The contract suite (`./bus-contract`) is deliberately not exported here: it imports vitest and the
// shared test fixtures, which throw when loaded outside a vitest run, i.e. in every service.
export {
  TopicSpec,
  TopicsFile,
  parseTopicsFile,
  loadTopicsFile,
  planTopics,
  topicPartitions,
  applyTopics,
} from './topics-file';
export type { TopicAction, ApplyTopicsOptions } from './topics-file';
export { kafkaSecurityFromEnv, kafkaClientConfig, secretFromEnv } from './kafka-security';
export type { KafkaSecurity, OAuthBearerProvider } from './kafka-security';
export { createKeyPartitioner } from './key-partitioner';
