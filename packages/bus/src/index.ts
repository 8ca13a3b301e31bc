export { BusUnavailableError } from './bus';
export type { Bus, OutgoingMessage, IncomingMessage, IncomingBatch, SubscribeOptions, Subscription } from './bus';
export { encode, decode } from './codec';
export type { Decoded } from './codec';
