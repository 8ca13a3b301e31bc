import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { Timestamp } from '@vigil/schema';
import type { MaintenanceQuery, MaintenanceWindow } from './availability-types';
import { ServiceId } from './services-config';

/** Longest window one declaration may cover: maintenance longer than this is an outage by another name. */
export const MAX_MAINTENANCE_DAYS = 7;

/** A maintenance declaration as a person sends it. */
export const MaintenanceDeclaration = z
  .strictObject({
    service: ServiceId,
    startsAt: Timestamp,
    endsAt: Timestamp,
    /** Why: the change ticket, the work done. Auditors read this. */
    reason: z.string().trim().min(1, 'say why (a change ticket, the work done)').max(1000),
  })
  .superRefine((input, ctx) => {
    const starts = Date.parse(input.startsAt);
    const ends = Date.parse(input.endsAt);
    if (!(ends > starts))
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'must be after startsAt' });
    else if (ends - starts > MAX_MAINTENANCE_DAYS * 24 * 60 * 60 * 1000) {
      ctx.addIssue({
        code: 'custom',
        path: ['endsAt'],
        message: `a window may last at most ${MAX_MAINTENANCE_DAYS} days; declare longer work as several windows`,
      });
    }
  });

interface MaintenanceRow {
  id: string;
  service: string;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  declared_by: string;
  declared_at: Date;
}

export async function insertMaintenance(
  pool: Pool,
  input: z.infer<typeof MaintenanceDeclaration>,
  declaredBy: string,
  declaredAt: Date,
): Promise<MaintenanceWindow> {
  const { rows } = await pool.query<MaintenanceRow>(
    `INSERT INTO maintenance_windows (service, starts_at, ends_at, reason, declared_by, declared_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [input.service, new Date(input.startsAt), new Date(input.endsAt), input.reason, declaredBy, declaredAt],
  );
  const row = rows[0];
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return toMaintenanceWindow(row);
}

/** Windows overlapping [from, to), for some services or all, in start order. */
export async function selectMaintenance(
  db: Pool | PoolClient,
  query: MaintenanceQuery & { services?: readonly string[] },
): Promise<MaintenanceWindow[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.service !== undefined) conditions.push(`service = ${param(query.service)}`);
  if (query.services !== undefined) conditions.push(`service = ANY(${param(query.services)}::text[])`);
  if (query.to !== undefined) conditions.push(`starts_at < ${param(new Date(query.to))}`);
  if (query.from !== undefined) conditions.push(`ends_at > ${param(new Date(query.from))}`);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await db.query<MaintenanceRow>(
    `SELECT * FROM maintenance_windows ${where} ORDER BY starts_at, id`,
    params,
  );
  return rows.map(toMaintenanceWindow);
}

function toMaintenanceWindow(row: MaintenanceRow): MaintenanceWindow {
  return {
    id: Number(row.id),
    service: row.service,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    reason: row.reason,
    declaredBy: row.declared_by,
    declaredAt: row.declared_at.toISOString(),
    retroactive: row.declared_at.getTime() > row.starts_at.getTime(),
  };
}
