import type { Pool } from 'pg';
import { z } from 'zod';
import { ValidationError } from '@vigil/runtime';
import type { AuditPeriod } from './audit-types';

export const EXPORT_KINDS = ['population', 'summary', 'report', 'sample', 'timeline', 'bundle'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['json', 'csv', 'html', 'bundle'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One export of the register, as `audit_exports` keeps it. */
export interface ExportRecord {
  id: number;
  at: string;
  /** `api:<token name>` or `cli:<user>`. */
  principal: string;
  /** The token's role; null for the CLI. */
  role: string | null;
  kind: ExportKind;
  format: ExportFormat;
  period: AuditPeriod | null;
  /** Incidents in the export (timeline entries for a timeline). */
  rowCount: number;
  parameters: Record<string, unknown>;
  /** SHA-256 of what was handed out: the response body, or a bundle's manifest.json. */
  contentSha256: string;
}

export type NewExportRecord = Omit<ExportRecord, 'id' | 'at'>;

export interface ExportPage {
  /** Newest first. */
  exports: ExportRecord[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextBefore: number | null;
}

export const MAX_EXPORTS_PAGE = 500;

const NewExport = z.object({
  principal: z.string().trim().min(1).max(200),
  role: z.enum(['viewer', 'responder', 'admin', 'auditor']).nullable(),
  kind: z.enum(EXPORT_KINDS),
  format: z.enum(EXPORT_FORMATS),
  period: z.object({ from: z.string(), to: z.string() }).nullable(),
  rowCount: z.number().int().min(0),
  parameters: z.record(z.string(), z.unknown()),
  contentSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

interface ExportRow {
  id: string;
  at: Date;
  principal: string;
  role: string | null;
  kind: ExportKind;
  format: ExportFormat;
  period_from: Date | null;
  period_to: Date | null;
  row_count: number;
  parameters: Record<string, unknown>;
  content_sha256: string;
}

/** Appends one export to `audit_exports`; the table refuses updates and deletes. */
export async function recordExport(pool: Pool, entry: NewExportRecord, at: Date): Promise<ExportRecord> {
  const parsed = NewExport.safeParse(entry);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid export record',
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const { rows } = await pool.query<ExportRow>(
    `INSERT INTO audit_exports
       (at, principal, role, kind, format, period_from, period_to, row_count, parameters, content_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [
      at,
      e.principal,
      e.role,
      e.kind,
      e.format,
      e.period?.from ?? null,
      e.period?.to ?? null,
      e.rowCount,
      JSON.stringify(e.parameters),
      e.contentSha256,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return toExportRecord(row);
}

/** Exports newest first, `limit` at a time; `before` is the `nextBefore` of the previous page. */
export async function listExports(
  pool: Pool,
  query: { limit?: number; before?: number } = {},
): Promise<ExportPage> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXPORTS_PAGE) {
    throw new ValidationError('invalid limit', [
      { path: 'limit', message: `must be a whole number from 1 to ${MAX_EXPORTS_PAGE}` },
    ]);
  }
  const { rows } = await pool.query<ExportRow>(
    `SELECT * FROM audit_exports WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [query.before ?? null, limit + 1],
  );
  const page = rows.slice(0, limit).map(toExportRecord);
  const last = page.at(-1);
  return { exports: page, nextBefore: rows.length > limit && last ? last.id : null };
}

function toExportRecord(row: ExportRow): ExportRecord {
  return {
    id: Number(row.id),
    at: row.at.toISOString(),
    principal: row.principal,
    role: row.role,
    kind: row.kind,
    format: row.format,
    period:
      row.period_from && row.period_to
        ? { from: row.period_from.toISOString(), to: row.period_to.toISOString() }
        : null,
    rowCount: row.row_count,
    parameters: row.parameters,
    contentSha256: row.content_sha256,
  };
}
