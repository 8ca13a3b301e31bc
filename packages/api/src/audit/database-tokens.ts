import type { Pool, PoolClient } from 'pg';
import { errorMessage, systemClock, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { createTokenVerifier, type Principal, type TokenVerifier } from '../api-tokens';
import { loadActiveTokens } from './api-token-store';

/** The channel `api_tokens` notifies on every insert and revocation (migration 003). */
export const TOKENS_CHANNEL = 'vigil_api_tokens';

export interface DatabaseTokensOptions {
  pool: Pool;
  logger: Logger;
  clock?: Clock;
  /** How often the token list is re-read even without a notification; 2 s when not given. */
  refreshMs?: number;
  /**
   * Database tokens are refused once the list is older than this (the database unreachable): a revocation
   * can then never go unnoticed for longer. 5 s when not given; must exceed `refreshMs`.
   */
  maxAgeMs?: number;
}

/**
 * The API tokens kept in `api_tokens`, for the API's synchronous token check. Holds the active tokens'
 * hashes in memory, re-read at once when PostgreSQL notifies a change (an issued or revoked token counts
 * within a round trip), every `refreshMs` regardless, and refused altogether when not re-read for
 * `maxAgeMs`. Comparison is `createTokenVerifier`'s: constant time, against every hash.
 */
export class DatabaseTokens {
  private readonly pool: Pool;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private current: TokenVerifier = () => null;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private listener: PoolClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private listening: Promise<void> | null = null;
  private requested = false;
  private stopped = false;
  private staleWarned = false;

  constructor(options: DatabaseTokensOptions) {
    this.pool = options.pool;
    this.logger = options.logger.child({ component: 'database-tokens' });
    this.clock = options.clock ?? systemClock;
    this.refreshMs = options.refreshMs ?? 2000;
    this.maxAgeMs = options.maxAgeMs ?? 5000;
    if (!(this.refreshMs > 0 && this.maxAgeMs > this.refreshMs)) {
      throw new RangeError(
        `maxAgeMs (${this.maxAgeMs}) must exceed refreshMs (${this.refreshMs}), both positive`,
      );
    }
  }

  /** The principal a presented token belongs to, or null. Synchronous, as the access hook needs it. */
  readonly verify: TokenVerifier = (presented) => {
    const principal = this.current(presented);
    if (this.clock.now() - this.loadedAt <= this.maxAgeMs) return principal;
    if (!this.staleWarned) {
      this.staleWarned = true;
      this.logger.warn({ maxAgeMs: this.maxAgeMs }, 'database tokens not refreshed in time; refusing them');
    }
    return null;
  };

  /** Loads the tokens (failing if it cannot) and starts listening for changes. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh();
    await this.listen();
    this.timer = setInterval(() => this.tick(), this.refreshMs);
    this.timer.unref();
  }

  /** Stops listening and refreshing; idempotent. Database tokens are refused from then on. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.current = () => null;
    await this.listening?.catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    if (listener) {
      await listener.query(`UNLISTEN ${TOKENS_CHANNEL}`).catch(() => undefined);
      // Closed rather than pooled: its listeners must not follow the connection to another user.
      listener.release(true);
    }
    await this.running?.catch(() => undefined);
  }

  /**
   * Re-reads the active tokens. Calls while a read is running are folded into one more read after it, so a
   * notification arriving mid-read is never answered with the list from before its change.
   */
  refresh(): Promise<void> {
    this.requested = true;
    if (this.running) return this.running;
    const run = (async () => {
      try {
        while (this.requested) {
          this.requested = false;
          const tokens = await loadActiveTokens(this.pool);
          this.current = createTokenVerifier(tokens);
          this.loadedAt = this.clock.now();
          this.staleWarned = false;
        }
      } finally {
        this.running = null;
      }
    })();
    this.running = run;
    return run;
  }

  private tick(): void {
    if (this.stopped) return;
    this.refresh().catch((error: unknown) =>
      this.logger.warn({ err: errorMessage(error) }, 'could not refresh database tokens'),
    );
    if (!this.listener && !this.listening) {
      this.listening = this.listen().finally(() => {
        this.listening = null;
      });
      this.listening.catch((error: unknown) =>
        this.logger.warn({ err: errorMessage(error) }, 'could not listen for token changes'),
      );
    }
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    if (this.stopped) {
      client.release();
      return;
    }
    client.on('notification', (message) => {
      if (message.channel !== TOKENS_CHANNEL || this.stopped) return;
      this.refresh().catch((error: unknown) =>
        this.logger.warn({ err: errorMessage(error) }, 'could not refresh database tokens'),
      );
    });
    client.on('error', (error) => {
      // The periodic refresh keeps going, and the next tick listens again on a new connection.
      if (this.listener !== client) return;
      this.listener = null;
      this.logger.warn({ err: error.message }, 'token change listener lost its connection');
      client.release(true);
    });
    try {
      await client.query(`LISTEN ${TOKENS_CHANNEL}`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    if (this.stopped) {
      client.release(true);
      return;
    }
    this.listener = client;
  }
}

/**
 * Accepts the configured tokens and, when given, the database's. Both are always checked, so the time taken
 * does not say which kind of token was presented; a configured token wins a (theoretical) clash.
 */
export function withDatabaseTokens(configured: TokenVerifier, database?: DatabaseTokens): TokenVerifier {
  if (!database) return configured;
  return (presented): Principal | null => {
    const fromConfig = configured(presented);
    const fromDatabase = database.verify(presented);
    return fromConfig ?? fromDatabase;
  };
}
