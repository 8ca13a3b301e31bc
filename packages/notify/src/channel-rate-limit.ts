import type { Redis } from 'ioredis';

// One slot per channel, held for the interval: whoever sets it may post; everyone else learns
// how long is left. Atomic, so two workers never both see the slot free.
const ACQUIRE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return tonumber(ARGV[1]) end
return ttl`;

// Extends the hold to at least ARGV[1] ms; never shortens one already longer.
const HOLD = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0`;

/**
 * About one new message a second per channel, as Slack asks of `chat.postMessage`, shared by every
 * worker through Redis. Only new messages (posts and thread replies) take a slot; `chat.update` is
 * a separate, more generous Slack tier and is left to the 429 handling.
 */
export class ChannelRateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly intervalMs = 1000,
  ) {}

  /** 0 when the slot is ours; otherwise how many ms until it frees up. */
  async tryAcquire(channel: string): Promise<number> {
    // An interval of 0 turns the limit off (Slack's 429s still apply); Redis refuses a 0 ms expiry.
    if (this.intervalMs <= 0) return 0;
    const wait = await this.redis.eval(ACQUIRE, 1, await this.slotKey(channel), this.intervalMs);
    return Number(wait);
  }

  /** After Slack answered 429 for this channel: keep every worker off it for as long as Slack said. */
  async holdFor(channel: string, ms: number): Promise<void> {
    if (ms <= 0) return;
    await this.redis.eval(HOLD, 1, await this.slotKey(channel), Math.ceil(ms));
  }

  /**
   * New incidents are posted by channel name and later replies go by the id Slack answered; both
   * must share one slot, so the name → id mapping is remembered.
   */
  async learnChannelId(channel: string, id: string): Promise<void> {
    if (channel !== id) await this.redis.hset(`${this.keyPrefix}:channel-ids`, channel, id);
  }

  private async slotKey(channel: string): Promise<string> {
    const id = channel.startsWith('#')
      ? ((await this.redis.hget(`${this.keyPrefix}:channel-ids`, channel)) ?? channel)
      : channel;
    return `${this.keyPrefix}:channel-slot:${id}`;
  }
}
