import { ValidationError } from '@vigil/runtime';

/**
 * Pages are keyed on the register number, so a page boundary stays put while new incidents are opened
 * (they only ever get higher numbers). Opaque to callers so the key can change without breaking them.
 */
export function encodeCursor(afterSeq: number): string {
  return Buffer.from(JSON.stringify({ after: afterSeq }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  let after: unknown;
  try {
    after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
  } catch {
    after = undefined;
  }
  if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) {
    throw new ValidationError('invalid cursor', [
      { path: 'cursor', message: 'not a cursor this API handed out; use nextCursor from the previous page' },
    ]);
  }
  return after;
}
