import type { Pool, PoolClient } from 'pg';
import { ValidationError, type Clock } from '@vigil/runtime';
import type { Logger } from '@vigil/telemetry';
import { inputErrors } from '../incident-inputs';
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
import { loadCoverage } from './check-coverage';
import { loadOutages } from './outage-register';
import type { Interval } from './intervals';
import { MAX_PERIOD_DAYS } from './periods';
import type { ServiceCommitment } from './services-config';

export interface PgAvailabilityStoreOptions {
  /** A pool on a database that `migrate` has brought up to date. */
  pool: Pool;
  clock: Clock;
  logger: Logger;
}

/** Availability from the measured outages, the checks' coverage and the maintenance windows declared. */
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
    // One snapshot, so an outage resolved between the two reads is neither lost nor counted twice.
    return inTransaction(this.pool, (client) => serviceFigures(client, services, { start, end }, now), {
      begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    });
  }
}

/**
 * The figures of these services for `period` as of `now`, from what the register holds: the one computation
 * behind the API, the report, the dashboard and the register's own breach decisions (breach-verdict.ts).
 */
export async function serviceFigures(
  client: PoolClient,
  services: readonly ServiceCommitment[],
  period: Interval,
  now: number,
): Promise<ServiceAvailability[]> {
  const ids = services.map((service) => service.id);
  const outages = await loadOutages(client, ids, period.end, Math.min(period.end, now));
  const coverage = await loadCoverage(client, ids, period.start, period.end);
  const maintenance = await selectMaintenance(client, {
    services: ids,
    from: new Date(period.start).toISOString(),
    to: new Date(period.end).toISOString(),
  });
  return services.map((service) =>
    availabilityFigures({
      service,
      period,
      now,
      outages: forService(outages, service.id),
      coverage: forService(coverage, service.id),
      maintenance: forService(maintenance, service.id),
    }),
  );
}
