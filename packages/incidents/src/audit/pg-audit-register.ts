import type { Pool } from 'pg';
import type { Clock } from '@vigil/runtime';
import { getIncident } from '../incident-queries';
import type { IncidentDetail } from '../incident-types';
import { auditPeriod } from './audit-period';
import { readAuditPopulation } from './audit-snapshot';
import type { AuditedIncident, AuditPeriod, AuditPopulation, AuditSample } from './audit-types';
import {
  listExports,
  recordExport,
  type ExportPage,
  type ExportRecord,
  type NewExportRecord,
} from './export-log';
import { recordOnly } from './population-files';
import { drawSample, type SampleChoice } from './sampling';

/** What the auditor views need of the register: the API and the bundle CLI both go through this. */
export interface AuditRegister {
  /** The period's population with its completeness checks; incident rows only. */
  population(period: AuditPeriod): Promise<AuditPopulation>;
  /** The same, with every incident's timeline, evidence and messages. */
  populationWithTimelines(period: AuditPeriod): Promise<AuditPopulation<AuditedIncident>>;
  /** A reproducible sample of the period's population: `size` incidents, or as many as the table says. */
  sample(period: AuditPeriod, seed: string, size?: number): Promise<AuditSample>;
  incident(id: string): Promise<IncidentDetail | null>;
  recordExport(entry: NewExportRecord): Promise<ExportRecord>;
  listExports(query?: { limit?: number; before?: number }): Promise<ExportPage>;
}

export interface PgAuditRegisterOptions {
  /** A pool on the register's database, migrated. Reads run READ ONLY; only `recordExport` writes. */
  pool: Pool;
  clock: Clock;
}

export class PgAuditRegister implements AuditRegister {
  private readonly pool: Pool;
  private readonly clock: Clock;

  constructor(options: PgAuditRegisterOptions) {
    this.pool = options.pool;
    this.clock = options.clock;
  }

  async population(period: AuditPeriod): Promise<AuditPopulation> {
    const population = await readAuditPopulation(this.pool, auditPeriod(period), this.now(), 'none');
    return { ...population, incidents: population.incidents.map(recordOnly) };
  }

  async populationWithTimelines(period: AuditPeriod): Promise<AuditPopulation<AuditedIncident>> {
    const population = await readAuditPopulation(this.pool, auditPeriod(period), this.now(), 'all');
    return population as AuditPopulation<AuditedIncident>;
  }

  async sample(period: AuditPeriod, seed: string, size?: number): Promise<AuditSample> {
    let choice: SampleChoice | undefined;
    const population = await readAuditPopulation(this.pool, auditPeriod(period), this.now(), (records) => {
      choice = drawSample(records, seed, size);
      const drawn = new Set(choice.selected.map((entry) => entry.seq));
      return records.filter((record) => drawn.has(record.seq)).map((record) => record.id);
    });
    if (!choice) throw new Error('the sample was not drawn');
    const drawn = new Set(choice.selected.map((entry) => entry.seq));
    return {
      population: { ...population, incidents: population.incidents.map(recordOnly) },
      choice,
      incidents: population.incidents.filter((incident): incident is AuditedIncident =>
        drawn.has(incident.seq),
      ),
    };
  }

  incident(id: string): Promise<IncidentDetail | null> {
    return getIncident(this.pool, id);
  }

  recordExport(entry: NewExportRecord): Promise<ExportRecord> {
    return recordExport(this.pool, entry, this.now());
  }

  listExports(query: { limit?: number; before?: number } = {}): Promise<ExportPage> {
    return listExports(this.pool, query);
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}
