/**
 * JSON with object keys sorted at every level and no whitespace, so that the same value always gives the
 * same bytes: what PostgreSQL's jsonb hands back (keys reordered) hashes exactly like what was written.
 * The input is first passed through JSON itself, so `undefined`, functions and non-finite numbers are
 * treated exactly as `JSON.stringify` treats them when the value is stored.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return write(JSON.parse(text) as unknown);
}

function write(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${write(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The value as it will be stored and read back: plain JSON data, nothing JSON would drop. */
export function toJsonValue<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
