import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { IncomingMessage, OutgoingMessage } from './bus';

export function toKafkaMessage(message: OutgoingMessage): Message {
  return { key: message.key, value: message.value, ...(message.headers ? { headers: message.headers } : {}) };
}

export function toIncomingMessage(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/** Kafka allows a header name to repeat; the bus contract is a string map, so the last one wins. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) flat[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return flat;
}
