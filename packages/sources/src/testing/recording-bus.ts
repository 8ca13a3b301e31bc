import { BusUnavailableError, type Bus, type OutgoingMessage, type Subscription } from '@vigil/bus';

/** A unit-test stand-in that records writes and can be switched off; the real buses have their own tests. */
export class RecordingBus implements Bus {
  readonly kind = 'embedded' as const;
  readonly written = new Map<string, OutgoingMessage[]>();
  down = false;

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async subscribe(): Promise<Subscription> {
    throw new Error('RecordingBus does not consume');
  }
  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.down) throw new BusUnavailableError('bus is down (test)');
    this.written.set(topic, [...(this.written.get(topic) ?? []), ...messages]);
  }
  values(topic: string): unknown[] {
    return (this.written.get(topic) ?? []).map((m) => JSON.parse(m.value.toString()) as unknown);
  }
}
