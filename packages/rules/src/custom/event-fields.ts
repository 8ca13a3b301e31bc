import type { VigilEvent } from '@vigil/schema';

/** Reads one field of a normalised event. */
export type FieldGetter = (event: VigilEvent) => unknown;

const TOP_LEVEL: Readonly<Record<string, FieldGetter>> = {
  id: (e) => e.id,
  source: (e) => e.source,
  kind: (e) => e.kind,
  action: (e) => e.action,
  outcome: (e) => e.outcome,
  time: (e) => e.time,
  receivedAt: (e) => e.receivedAt,
  'entity.type': (e) => e.entity.type,
  'entity.id': (e) => e.entity.id,
  'actor.user': (e) => e.actor.user,
  'actor.ip': (e) => e.actor.ip,
};

export const FIELD_HELP =
  'a field of the normalised event: id, source, kind, action, outcome, time, receivedAt, entity.type, ' +
  'entity.id, actor.user, actor.ip, attributes.<key> (e.g. attributes.vigil.change) or raw.<path>';

/**
 * The getter for a field path of the normalised event, or undefined for an unknown path.
 * `attributes.` takes the rest verbatim as the attribute key (keys contain dots: `vigil.change`);
 * `raw.` walks the source payload, a segment at a time.
 */
export function eventField(path: string): FieldGetter | undefined {
  const known = TOP_LEVEL[path];
  if (known) return known;
  if (path.startsWith('attributes.') && path.length > 'attributes.'.length) {
    const key = path.slice('attributes.'.length);
    return (e) => e.attributes[key];
  }
  if (path.startsWith('raw.') && path.length > 'raw.'.length) {
    const segments = path.slice('raw.'.length).split('.');
    return (e) => walk(e.raw, segments);
  }
  return undefined;
}

function walk(value: unknown, segments: readonly string[]): unknown {
  let at = value;
  for (const segment of segments) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

/** A value as template text: scalars as they are, anything else as JSON, absent as empty. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

const PLACEHOLDER = /\{\{\s*([^}\s]+)\s*\}\}/g;

/** A compiled `{{ field }}` template; `vars` (count, threshold, group, ...) win over event fields. */
export type Template = (event: VigilEvent, vars: Readonly<Record<string, unknown>>) => string;

/** Compiles a template; returns the unknown placeholders instead when there are any. */
export function compileTemplate(text: string, varNames: readonly string[]): Template | { unknown: string[] } {
  const parts: Array<string | { name: string; get?: FieldGetter }> = [];
  const unknown: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    if (varNames.includes(name)) parts.push({ name });
    else {
      const get = eventField(name);
      if (get) parts.push({ name, get });
      else unknown.push(name);
    }
  }
  parts.push(text.slice(last));
  if (unknown.length > 0) return { unknown };
  return (event, vars) =>
    parts
      .map((part) => (typeof part === 'string' ? part : asText(part.get ? part.get(event) : vars[part.name])))
      .join('');
}
