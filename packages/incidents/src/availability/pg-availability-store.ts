import type { Pool, PoolClient } from 'pg';
import { ValidationError, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { inputErrors } from '../incident-inputs';
import { toIncidentRecord, type IncidentRow } from '../incident-rows';
import { inTransaction } from '../pg-transaction';
import { availabilityFigures, forService } from './availability-figures';
import type {
  AvailabilityPeriod,
  AvailabilityStore,
  MaintenanceDeclarationInput,
  MaintenanceQuery,
  MaintenanceWindow,
  ServiceAvailability,
} from './availability-types';
import { insertMaintenance, MaintenanceDeclaration, selectMaintenance } from './maintenance-windows';
import { outageSpan, SERVICE_DOWN_RULE_ID, type OutageSpan } from './outage-spans';
import { MAX_PERIOD_DAYS } from './periods';
import type { ServiceCommitment } from './services-config';

export interface PgAvailabilityStoreOptions {
  /** A pool on a database that `migrate` has brought up to date. */
  pool: Pool;
  clock: Clock;
  logger: Logger;
}

/** Availability from the register's service-down incidents, and the maintenance windows declared. */
export class PgAvailabilityStore implements AvailabilityStore {
  private readonly pool: Pool;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(options: PgAvailabilityStoreOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
    this.logger = options.logger.child({ component: 'availability-store' });
  }

  async declareMaintenance(
    input: MaintenanceDeclarationInput,
    options: { actor: string },
  ): Promise<MaintenanceWindow> {
    const parsed = MaintenanceDeclaration.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        'invalid maintenance window',
        inputErrors(parsed.error, 'not a field of a window'),
      );
    }
    if (options.actor.trim().length === 0)
      throw new ValidationError('a maintenance window needs who declared it');
    const window = await insertMaintenance(this.pool, parsed.data, options.actor, new Date(this.clock.now()));
    this.logger.info(
      {
        maintenanceId: window.id,
        service: window.service,
        startsAt: window.startsAt,
        endsAt: window.endsAt,
        declaredBy: window.declaredBy,
        retroactive: window.retroactive,
      },
      'maintenance window declared',
    );
    return window;
  }

  listMaintenance(query: MaintenanceQuery = {}): Promise<MaintenanceWindow[]> {
    return selectMaintenance(this.pool, query);
  }

  async availability(
    services: readonly ServiceCommitment[],
    period: AvailabilityPeriod,
  ): Promise<ServiceAvailability[]> {
    const start = Date.parse(period.from);
    const end = Date.parse(period.to);
    if (!(end > start)) {
      throw new ValidationError('invalid period', [{ path: 'to', message: 'must be after from' }]);
    }
    if (end - start > MAX_PERIOD_DAYS * 24 * 60 * 60 * 1000) {
      throw new ValidationError('invalid period', [
        { path: 'to', message: `a period may cover at most ${MAX_PERIOD_DAYS} days` },
      ]);
    }
    if (services.length === 0) return [];
    const now = this.clock.now();
    const ids = services.map((service) => service.id);
    // One snapshot, so an outage resolved between the two reads is neither lost nor counted twice.
    const { outages, maintenance } = await inTransaction(
      this.pool,
      async (client) => ({
        outages: await loadOutages(client, ids, start, end, Math.min(end, now)),
        maintenance: await selectMaintenance(client, { services: ids, from: period.from, to: period.to }),
      }),
      { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    );
    return services.map((service) =>
      availabilityFigures({
        service,
        period: { start, end },
        now,
        outages: forService(outages, service.id),
        maintenance: forService(maintenance, service.id),
      }),
    );
  }
}

/**
 * Service-down incidents that may touch [from, to): begun before its end and not over before its start. The
 * resolution time is normally at or after the measured recovery (the detector notices after the check); the
 * measured end is tested too, in case the detector's clock ran behind the prober's.
 */
async function loadOutages(
  client: PoolClient,
  services: readonly string[],
  from: number,
  to: number,
  openUntil: number,
): Promise<OutageSpan[]> {
  const { rows } = await client.query<IncidentRow>(
    `SELECT * FROM incidents
      WHERE rule_id = $1 AND entity_type = 'service' AND entity_id = ANY($2::text[])
        AND status <> 'dismissed' AND first_event_at < $4
        AND (resolved_at IS NULL OR resolved_at >= $3
             OR first_event_at + make_interval(secs => coalesce(downtime_seconds, 0)) >= $3)
      ORDER BY seq`,
    [SERVICE_DOWN_RULE_ID, services, new Date(from), new Date(to)],
  );
  return rows
    .map((row) => outageSpan(toIncidentRecord(row), openUntil))
    .filter((span): span is OutageSpan => span !== null);
}
