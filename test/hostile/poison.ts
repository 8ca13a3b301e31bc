/**
 * Hostile inputs, generated from a seed so a failing case can be replayed: a valid sample with one
 * part replaced by poison (lone surrogates, NUL, huge strings, deep nesting, absurd timestamps,
 * wrong types, prototype-pollution keys, huge arrays), or a body that is poison as a whole
 * (invalid UTF-8 bytes, not JSON, nesting 10,000 deep).
 */

/** mulberry32: small, fast, good enough to spread cases. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

/** Markers replaced in the serialised body by bytes JSON.stringify cannot write. */
const INVALID_UTF8 = '__vigil_invalid_utf8__';
const DEEP_TEXT = '__vigil_deep_text__';

const deepText = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Values a field should never be given. */
export const POISON_VALUES: ReadonlyArray<{ name: string; make: () => unknown }> = [
  { name: 'lone high surrogate', make: () => 'x\ud800y' },
  { name: 'lone low surrogate', make: () => '\udfff' },
  { name: 'NUL', make: () => 'a\u0000b' },
  { name: 'only NUL', make: () => '\u0000' },
  { name: 'huge string', make: () => 'A'.repeat(70_000) },
  { name: 'long string', make: () => 'b'.repeat(5_000) },
  { name: 'deep nesting 64', make: () => nest(64) },
  { name: 'deep nesting 10,000 (text)', make: () => DEEP_TEXT },
  { name: 'year 275760', make: () => '+275760-09-13T00:00:00.000Z' },
  { name: 'year -271821', make: () => '-271821-04-20T00:00:00.000Z' },
  { name: 'month 13', make: () => '2026-13-45T99:99:99Z' },
  { name: 'year 0', make: () => '0000-01-01T00:00:00Z' },
  { name: 'epoch overflow', make: () => 8.64e15 + 1 },
  { name: 'huge number', make: () => 1e308 },
  { name: 'negative', make: () => -1 },
  { name: 'float', make: () => 0.5 },
  { name: 'null', make: () => null },
  { name: 'true', make: () => true },
  { name: 'empty string', make: () => '' },
  { name: 'empty object', make: () => ({}) },
  { name: 'empty array', make: () => [] },
  { name: 'huge array', make: () => Array.from({ length: 12_000 }, (_, i) => i) },
  { name: 'array of objects', make: () => Array.from({ length: 200 }, () => ({ a: 'b' })) },
  { name: 'prototype key', make: () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown },
  { name: 'invalid UTF-8 bytes', make: () => INVALID_UTF8 },
  { name: 'control characters', make: () => '\u0001\u0002\u001b[31m\r\n' },
  { name: 'right-to-left override', make: () => '\u202euser@example.com' },
  { name: 'emoji pair', make: () => '😀'.repeat(1_000) },
];

function nest(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

/** Every path in `value` (objects and arrays), the root excluded. */
function paths(value: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object' || prefix.length > 6) return out;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const path = [...prefix, key];
    out.push(path);
    paths(child, path, out);
  }
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}

export interface HostileBody {
  /** What was done, for the failure message. */
  name: string;
  body: Buffer;
}

/** One hostile body made from `sample`: mostly one field poisoned, sometimes the body as a whole. */
export function hostileBody(sample: unknown, rand: Rand): HostileBody {
  const roll = rand();
  if (roll < 0.06) return wholeBody(rand);
  const copy = structuredClone(sample) as unknown;
  const poison = pick(rand, POISON_VALUES);
  const all = paths(copy);
  let name: string;
  if (roll < 0.14 && copy !== null && typeof copy === 'object' && !Array.isArray(copy)) {
    // A new key at the top: prototype pollution or an unexpected field.
    const key = pick(rand, ['__proto__', 'constructor', 'prototype', 'a\u0000b', 'k\ud800', 'x'.repeat(10_000)]);
    Object.defineProperty(copy, key, { value: poison.make(), enumerable: true, configurable: true, writable: true });
    name = `key ${JSON.stringify(key.slice(0, 20))} = ${poison.name}`;
  } else {
    const path = all.length > 0 ? pick(rand, all) : [];
    if (path.length === 0) return { name: poison.name, body: serialise(poison.make()) };
    setAt(copy, path, poison.make());
    name = `${path.join('.')} = ${poison.name}`;
  }
  return { name, body: serialise(copy) };
}

function wholeBody(rand: Rand): HostileBody {
  const choice = pick(rand, [
    { name: 'invalid UTF-8 body', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]) },
    { name: 'not JSON', body: Buffer.from('{"id": "x", kind: }') },
    { name: 'empty body', body: Buffer.alloc(0) },
    { name: 'JSON null', body: Buffer.from('null') },
    { name: 'JSON number', body: Buffer.from('1e999') },
    { name: 'nested 10,000 deep', body: Buffer.from(deepText(10_000)) },
    { name: 'object nested 10,000 deep', body: Buffer.from(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) },
    { name: 'array of 6,000 empty objects', body: Buffer.from(`[${Array.from({ length: 6_000 }, () => '{}').join(',')}]`) },
    { name: 'unterminated 100 KiB string', body: Buffer.from(`{"a":"${'z'.repeat(100 * 1024)}`) },
    { name: 'BOM then JSON', body: Buffer.from('\ufeff{"a":1}') },
  ]);
  return choice;
}

/** JSON text of `value`, with the byte-level markers put in. */
export function serialise(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (!text.includes(INVALID_UTF8) && !text.includes(DEEP_TEXT)) return Buffer.from(text);
  const parts = text.split(`"${INVALID_UTF8}"`).map((part) => Buffer.from(part.split(`"${DEEP_TEXT}"`).join(deepText(10_000))));
  const bad = Buffer.from([0x22, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0x22]);
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [bad, part])));
}

/** A query-string or path value with poison, percent-encoded byte by byte (lone surrogates as CESU-8 bytes). */
export function hostileUrlValue(rand: Rand): { name: string; encoded: string } {
  return pick(rand, [
    { name: 'NUL', encoded: 'a%00b' },
    { name: 'lone surrogate bytes', encoded: '%ED%A0%80' },
    { name: 'invalid UTF-8', encoded: '%C3%28%FF%FE' },
    { name: 'huge', encoded: 'a'.repeat(8_000) },
    { name: 'very huge', encoded: 'b'.repeat(70_000) },
    { name: 'year 275760', encoded: '%2B275760-09-13T00%3A00%3A00.000Z' },
    { name: 'negative year', encoded: '-271821-04-20T00%3A00%3A00.000Z' },
    { name: 'month 13', encoded: '2026-13-45' },
    { name: 'number overflow', encoded: '1e309' },
    { name: 'negative', encoded: '-1' },
    { name: 'empty', encoded: '' },
    { name: 'prototype', encoded: '__proto__' },
    { name: 'sql', encoded: "'%3B%20DROP%20TABLE%20incidents%3B--" },
    { name: 'percent broken', encoded: '%E0%A4%A' },
    { name: 'uuid-like NUL', encoded: '00000000-0000-0000-0000-00000000000%00' },
    { name: 'dot dot', encoded: '..%2F..%2Fetc%2Fpasswd' },
  ]);
}
