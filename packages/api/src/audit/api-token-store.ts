import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { ValidationError } from '@vigil/runtime';
import { ApiRole, hashToken, type ApiTokenConfig } from '../api-tokens';

/** What `api_tokens` keeps about a token: never the token, and the hash only for the verifier. */
export interface StoredApiToken {
  name: string;
  role: ApiRole;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** Letters, digits and `._@-`, starting with a letter or digit: safe in logs, the timeline and a shell. */
export const TokenName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/,
    'must be 1 to 100 letters, digits or . _ @ -, not starting with a symbol',
  );

/** A token name that was used before; names are never reused, so `api:<name>` always means one token. */
export class TokenNameTakenError extends Error {
  override readonly name = 'TokenNameTakenError';
  constructor(readonly tokenName: string) {
    super(`a token named ${tokenName} exists (or existed); token names are never reused`);
  }
}

/** `vgl_` and 32 random bytes, base64url: 256 bits, and a prefix secret scanners can look for. */
export function generateToken(): string {
  return `vgl_${randomBytes(32).toString('base64url')}`;
}

interface TokenRow {
  name: string;
  role: ApiRole;
  sha256: string;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/** Issues a token: stores its hash and hands the token back, the only time it exists outside the caller. */
export async function issueApiToken(
  pool: Pool,
  input: { name: string; role: string; createdBy: string; now: Date },
): Promise<{ token: string; stored: StoredApiToken }> {
  const name = TokenName.safeParse(input.name);
  const role = ApiRole.safeParse(input.role);
  if (!name.success || !role.success) {
    throw new ValidationError('invalid token', [
      ...(name.success ? [] : [{ path: 'name', message: name.error.issues[0]?.message ?? 'invalid' }]),
      ...(role.success
        ? []
        : [{ path: 'role', message: 'must be one of viewer, responder, admin, auditor' }]),
    ]);
  }
  const token = generateToken();
  try {
    const { rows } = await pool.query<TokenRow>(
      `INSERT INTO api_tokens (name, role, sha256, created_at, created_by) VALUES ($1, $2, $3, $4, $5)
       RETURNING *`,
      [name.data, role.data, hashToken(token), input.now, input.createdBy],
    );
    return { token, stored: toStored(firstRow(rows)) };
  } catch (error) {
    const pg = error as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'api_tokens_pkey') throw new TokenNameTakenError(name.data);
    throw error;
  }
}

export type RevokeOutcome = 'revoked' | 'already-revoked' | 'not-found';

/** Revokes a token by name; API processes hear of it at once (NOTIFY) and refuse it from then on. */
export async function revokeApiToken(
  pool: Pool,
  input: { name: string; revokedBy: string; now: Date },
): Promise<RevokeOutcome> {
  const updated = await pool.query(
    `UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 WHERE name = $1 AND revoked_at IS NULL`,
    [input.name, input.now, input.revokedBy],
  );
  if (updated.rowCount === 1) return 'revoked';
  const existing = await pool.query('SELECT 1 FROM api_tokens WHERE name = $1', [input.name]);
  return existing.rowCount === 0 ? 'not-found' : 'already-revoked';
}

export async function listApiTokens(pool: Pool): Promise<StoredApiToken[]> {
  const { rows } = await pool.query<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, name');
  return rows.map(toStored);
}

/** The tokens the API accepts from the database right now: not revoked, as the verifier takes them. */
export async function loadActiveTokens(pool: Pool): Promise<ApiTokenConfig[]> {
  const { rows } = await pool.query<Pick<TokenRow, 'name' | 'role' | 'sha256'>>(
    'SELECT name, role, sha256 FROM api_tokens WHERE revoked_at IS NULL ORDER BY name',
  );
  return rows.map((row) => ({ name: row.name, role: row.role, sha256: row.sha256 }));
}

function toStored(row: TokenRow): StoredApiToken {
  return {
    name: row.name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
    revokedBy: row.revoked_by,
  };
}

function firstRow<T>(rows: T[]): T {
  const row = rows[0];
  if (!row) throw new Error('INSERT ... RETURNING gave no row');
  return row;
}
