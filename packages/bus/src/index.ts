export { BusUnavailableError } from './bus';
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
export { createBus } from './create-bus';
export type { CreateBusOptions } from './create-bus';
export { KafkaBus } from './kafka-bus';
export type { KafkaBusOptions } from './kafka-bus';
export { EmbeddedBus } from './embedded-bus';
export type { EmbeddedBusOptions } from './embedded-bus';
export { DEFAULT_RETRY_BACKOFF } from './backoff';
export type { RetryBackoff } from './backoff';
// The contract suite (`./bus-contract`) is deliberately not exported here: it imports vitest and the
// shared test fixtures, which throw when loaded outside a vitest run, i.e. in every service.
