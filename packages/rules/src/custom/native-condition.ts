import type { VigilEvent } from '@vigil/schema';
import { FIELD_HELP, eventField, type FieldGetter } from './event-fields';
import { asRecord, type FieldPath, type Problems, type RuleDocument } from './rule-source';

export type Predicate = (event: VigilEvent) => boolean;

const OPERATORS = [
  'equals',
  'in',
  'startsWith',
  'endsWith',
  'contains',
  'regex',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'ignoreCase',
] as const;
type Operator = (typeof OPERATORS)[number];

const ALWAYS: Predicate = () => true;

/**
 * Compiles a native condition: `{ all: [...] }`, `{ any: [...] }`, `{ not: ... }`, or a map from
 * field path to matcher (all must hold). A matcher is a scalar (equality), a list (any of), or a map
 * of operators (all must hold). Problems are reported with the file and line; the result is then
 * a predicate that is never used.
 */
export function compileCondition(
  doc: RuleDocument,
  path: FieldPath,
  node: unknown,
  problems: Problems,
): Predicate {
  const map = asRecord(node);
  if (!map || Object.keys(map).length === 0) {
    problems.at(doc, path, 'expected a condition: a map of field: matcher, or all / any / not');
    return ALWAYS;
  }
  const keys = Object.keys(map);
  for (const combinator of ['all', 'any', 'not'] as const) {
    if (!(combinator in map)) continue;
    if (keys.length > 1) {
      problems.at(doc, path, `"${combinator}" must stand alone in its map; put the other fields inside it`);
      return ALWAYS;
    }
    const inner = map[combinator];
    if (combinator === 'not') {
      const negated = compileCondition(doc, [...path, 'not'], inner, problems);
      return (event) => !negated(event);
    }
    if (!Array.isArray(inner) || inner.length === 0) {
      problems.at(doc, [...path, combinator], 'expected a non-empty list of conditions');
      return ALWAYS;
    }
    const parts = inner.map((part, i) => compileCondition(doc, [...path, combinator, i], part, problems));
    return combinator === 'all'
      ? (event) => parts.every((p) => p(event))
      : (event) => parts.some((p) => p(event));
  }
  const parts = keys.map((field) => {
    const get = eventField(field);
    if (!get) {
      problems.at(doc, [...path, field], `unknown field "${field}"; expected ${FIELD_HELP}`);
      return ALWAYS;
    }
    return compileMatcher(doc, [...path, field], get, map[field], problems);
  });
  return parts.length === 1 ? parts[0]! : (event) => parts.every((p) => p(event));
}

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function compileMatcher(
  doc: RuleDocument,
  path: FieldPath,
  get: FieldGetter,
  node: unknown,
  problems: Problems,
): Predicate {
  if (isScalar(node)) return (event) => equal(get(event), node, false);
  if (Array.isArray(node)) {
    if (!node.every(isScalar)) {
      problems.at(doc, path, 'a list matcher holds plain values (any of them matches)');
      return ALWAYS;
    }
    return (event) => node.some((v) => equal(get(event), v, false));
  }
  const ops = asRecord(node);
  if (!ops) {
    problems.at(doc, path, 'expected a value, a list of values, or a map of operators');
    return ALWAYS;
  }
  const ignoreCase = ops.ignoreCase === true;
  const tests: Array<(value: unknown) => boolean> = [];
  for (const [op, arg] of Object.entries(ops)) {
    if (!(OPERATORS as readonly string[]).includes(op)) {
      problems.at(doc, [...path, op], `unknown operator "${op}"; expected one of ${OPERATORS.join(', ')}`);
      continue;
    }
    const test = operatorTest(op as Operator, arg, ignoreCase);
    if (typeof test === 'string') problems.at(doc, [...path, op], test);
    else if (test) tests.push(test);
  }
  return (event) => {
    const value = get(event);
    return tests.every((t) => t(value));
  };
}

/** The test for one operator, a problem text, or undefined for a modifier (`ignoreCase`). */
function operatorTest(
  op: Operator,
  arg: unknown,
  ignoreCase: boolean,
): ((value: unknown) => boolean) | string | undefined {
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  switch (op) {
    case 'ignoreCase':
      return typeof arg === 'boolean' ? undefined : 'expected true or false';
    case 'equals':
      return isScalar(arg) ? (v) => equal(v, arg, ignoreCase) : 'expected a plain value';
    case 'in':
      return Array.isArray(arg) && arg.every(isScalar)
        ? (v) => arg.some((a) => equal(v, a, ignoreCase))
        : 'expected a list of plain values';
    case 'startsWith':
    case 'endsWith':
    case 'contains': {
      const needles = Array.isArray(arg) ? arg : [arg];
      if (!needles.every((n): n is string => typeof n === 'string'))
        return 'expected text or a list of texts';
      const folded = needles.map(fold);
      return (v) => {
        if (typeof v !== 'string') return false;
        const text = fold(v);
        return folded.some((n) =>
          op === 'startsWith' ? text.startsWith(n) : op === 'endsWith' ? text.endsWith(n) : text.includes(n),
        );
      };
    }
    case 'regex': {
      if (typeof arg !== 'string') return 'expected a regular expression as text';
      try {
        const re = new RegExp(arg, ignoreCase ? 'i' : '');
        return (v) => typeof v === 'string' && re.test(v);
      } catch (error) {
        return `not a valid regular expression: ${(error as Error).message}`;
      }
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof arg !== 'number') return 'expected a number';
      return (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(n)) return false;
        return op === 'gt' ? n > arg : op === 'gte' ? n >= arg : op === 'lt' ? n < arg : n <= arg;
      };
    }
    case 'exists':
      if (typeof arg !== 'boolean') return 'expected true or false';
      return (v) => (v !== undefined && v !== null) === arg;
  }
}

function equal(value: unknown, expected: Scalar, ignoreCase: boolean): boolean {
  if (expected === null) return value === undefined || value === null;
  if (ignoreCase && typeof value === 'string' && typeof expected === 'string')
    return value.toLowerCase() === expected.toLowerCase();
  return value === expected;
}
