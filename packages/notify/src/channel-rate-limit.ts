import type { Redis } from 'ioredis';

// One slot per channel: whoever sets it may post; everyone else learns how long to wait. Atomic, so two
// workers never both see the slot free. The value tells a lease (a call in flight, held up to the call's
// timeout) from a hold (after a message or a 429): a waiter on a lease is told to look again after one
// interval rather than after the whole lease, which a call that returns in time ends early.
const ACQUIRE = `
if redis.call('SET', KEYS[1], 'lease', 'NX', 'PX', ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return tonumber(ARGV[2]) end
if redis.call('GET', KEYS[1]) == 'lease' then return math.min(ttl, tonumber(ARGV[2])) end
return ttl`;

// Holds the slot exactly ARGV[1] ms from now, ending any lease.
const HOLD = `redis.call('SET', KEYS[1], 'hold', 'PX', ARGV[1]) return 0`;

/**
 * About one new message a second per channel, as Slack asks of `chat.postMessage`, shared by every
 * worker through Redis. Only new messages (posts and thread replies) take a slot; `chat.update` is
 * a separate, more generous Slack tier and is left to the 429 handling.
 */
export class ChannelRateLimit {
  private readonly leaseMs: number;

  /**
   * `leaseMs` is how long an acquired slot is held while its call is in flight: at least the Slack call's
   * timeout, so a slow call (a loaded host, a first TLS handshake) is never overtaken by another worker's
   * post. `posted` then cuts it to one interval; a worker killed mid-call blocks the channel for the lease.
   */
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly intervalMs = 1000,
    leaseMs = intervalMs + 10_000,
  ) {
    this.leaseMs = Math.max(leaseMs, intervalMs);
  }

  /** 0 when the slot is ours (held until `posted` or `released`); otherwise how many ms until it frees up. */
  async tryAcquire(channel: string): Promise<number> {
    // An interval of 0 turns the limit off (Slack's 429s still apply); Redis refuses a 0 ms expiry.
    if (this.intervalMs <= 0) return 0;
    const wait = await this.redis.eval(
      ACQUIRE,
      1,
      await this.slotKey(channel),
      this.leaseMs,
      this.intervalMs,
    );
    return Number(wait);
  }

  /**
   * After a new message went out: hold the slot a full interval from now, so the next message reaches Slack
   * at least an interval after this one did, however long this call took.
   */
  async posted(channel: string): Promise<void> {
    await this.holdFor(channel, this.intervalMs);
  }

  /**
   * The call failed for a reason other than a 429: end the in-flight lease. It may still have reached
   * Slack (a timeout), so the next message waits one interval, as after a post.
   */
  async released(channel: string): Promise<void> {
    await this.posted(channel);
  }

  /** After Slack answered 429 for this channel: keep every worker off it for as long as Slack said (ends the lease). */
  async holdFor(channel: string, ms: number): Promise<void> {
    // A hold of 0 still has to end a lease (when the limit is on at all); Redis refuses a 0 ms expiry.
    const holdMs = Math.max(Math.ceil(ms), this.intervalMs > 0 ? 1 : 0);
    if (holdMs <= 0) return;
    await this.redis.eval(HOLD, 1, await this.slotKey(channel), holdMs);
  }

  /**
   * New incidents are posted by channel name and later replies go by the id Slack answered; both
   * must share one slot, so the name → id mapping is remembered.
   */
  async learnChannelId(channel: string, id: string): Promise<void> {
    if (channel === id) return;
    const learned = await this.redis.hset(`${this.keyPrefix}:channel-ids`, channel, id);
    // The first post went out under the name's slot; its lease is no longer anyone's to wait on.
    if (learned > 0) await this.redis.del(`${this.keyPrefix}:channel-slot:${channel}`);
  }

  private async slotKey(channel: string): Promise<string> {
    const id = channel.startsWith('#')
      ? ((await this.redis.hget(`${this.keyPrefix}:channel-ids`, channel)) ?? channel)
      : channel;
    return `${this.keyPrefix}:channel-slot:${id}`;
  }
}
