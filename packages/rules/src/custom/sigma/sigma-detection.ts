import { asRecord, type FieldPath, type Problems, type RuleDocument } from '../rule-source';
import type { SigmaLogsource } from './sigma-logsource';
import { refusedModifier, valueTest, type ValueTest } from './sigma-values';

/** Tests a raw source payload. */
export type RawPredicate = (raw: unknown) => boolean;

const NEVER: RawPredicate = () => false;

/**
 * Compiles a Sigma `detection` section: named search identifiers (a map of `field|modifiers: value(s)`,
 * or a list of such maps, any of which matches) and a `condition` over them. Everything it cannot
 * evaluate exactly is reported with its line; it never drops a part silently.
 */
export function compileSigmaDetection(
  doc: RuleDocument,
  detection: unknown,
  logsource: SigmaLogsource,
  problems: Problems,
): RawPredicate {
  const section = asRecord(detection);
  if (!section) {
    problems.at(doc, ['detection'], 'expected a map of search identifiers and a condition');
    return NEVER;
  }
  const identifiers = new Map<string, RawPredicate>();
  for (const [name, value] of Object.entries(section)) {
    if (name === 'condition') continue;
    if (name === 'timeframe') {
      problems.at(
        doc,
        ['detection', name],
        'timeframe (the deprecated aggregation window) is not supported; use a correlation rule',
      );
      continue;
    }
    identifiers.set(name, compileSearch(doc, ['detection', name], value, logsource, problems));
  }
  const condition = section.condition;
  const conditions = Array.isArray(condition) ? condition : [condition];
  if (condition === undefined || !conditions.every((c): c is string => typeof c === 'string')) {
    problems.at(doc, ['detection', 'condition'], 'expected a condition such as "selection and not filter"');
    return NEVER;
  }
  const compiled = conditions.map((text) => {
    const parsed = parseCondition(text, identifiers);
    if (typeof parsed === 'string') {
      problems.at(doc, ['detection', 'condition'], parsed);
      return NEVER;
    }
    return parsed;
  });
  return compiled.length === 1 ? compiled[0]! : (raw) => compiled.some((p) => p(raw));
}

function compileSearch(
  doc: RuleDocument,
  path: FieldPath,
  value: unknown,
  logsource: SigmaLogsource,
  problems: Problems,
): RawPredicate {
  if (Array.isArray(value)) {
    if (value.some((v) => asRecord(v) === undefined)) {
      problems.at(
        doc,
        path,
        'keyword searches (values without a field name) are not supported; name the field',
      );
      return NEVER;
    }
    const maps = value.map((v, i) => compileMap(doc, [...path, i], asRecord(v)!, logsource, problems));
    return (raw) => maps.some((m) => m(raw));
  }
  const map = asRecord(value);
  if (!map) {
    problems.at(
      doc,
      path,
      'keyword searches (values without a field name) are not supported; name the field',
    );
    return NEVER;
  }
  return compileMap(doc, path, map, logsource, problems);
}

function compileMap(
  doc: RuleDocument,
  path: FieldPath,
  map: Record<string, unknown>,
  logsource: SigmaLogsource,
  problems: Problems,
): RawPredicate {
  const fields = Object.entries(map).map(([key, value]): RawPredicate => {
    const [field = '', ...modifiers] = key.split('|');
    const at = [...path, key];
    if (field === '') {
      problems.at(
        doc,
        at,
        'keyword searches (values without a field name) are not supported; name the field',
      );
      return NEVER;
    }
    const refused = refusedModifier(modifiers);
    if (refused) {
      problems.at(doc, at, refused);
      return NEVER;
    }
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (values.length === 0 || values.some((v) => asRecord(v) !== undefined || Array.isArray(v))) {
      problems.at(doc, at, 'expected a value or a list of values');
      return NEVER;
    }
    const tests: ValueTest[] = [];
    for (const v of values) {
      const test = valueTest(v, modifiers);
      if (typeof test === 'string') problems.at(doc, at, test);
      else tests.push(test);
    }
    if (modifiers.includes('exists')) {
      const wanted = values[0] === true;
      return (raw) => logsource.values(raw, field).some((v) => v !== null) === wanted;
    }
    const all = modifiers.includes('all');
    return (raw) => {
      const candidates = logsource.values(raw, field);
      if (candidates.length === 0) candidates.push(undefined);
      const hit = (test: ValueTest) => candidates.some((c) => test(c));
      return all ? tests.every(hit) : tests.some(hit);
    };
  });
  return (raw) => fields.every((f) => f(raw));
}

type Token = { kind: 'word'; text: string } | { kind: '(' | ')' };

function tokenize(text: string): Token[] | string {
  if (text.includes('|'))
    return 'aggregations after "|" (count() ..., near) are not supported; use a correlation rule';
  const tokens: Token[] = [];
  for (const raw of text.match(/\(|\)|[^\s()]+/g) ?? []) {
    tokens.push(raw === '(' || raw === ')' ? { kind: raw } : { kind: 'word', text: raw });
  }
  return tokens;
}

/**
 * `a and not (b or 1 of filter_*)`: `not` binds tightest, then `and`, then `or`. Identifiers may
 * use `*` wildcards only after `1 of` / `all of`; `them` is every identifier not starting with `_`.
 */
export function parseCondition(
  text: string,
  identifiers: ReadonlyMap<string, RawPredicate>,
): RawPredicate | string {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return tokens;
  let at = 0;
  const peek = () => tokens[at];
  const word = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toLowerCase() : undefined);

  /** `part (op part)*`, combined with `some` for or and `every` for and. */
  const parseChain = (op: 'or' | 'and', parsePart: () => RawPredicate | string): RawPredicate | string => {
    const parts: RawPredicate[] = [];
    for (;;) {
      const part = parsePart();
      if (typeof part === 'string') return part;
      parts.push(part);
      if (word(peek()) !== op) break;
      at++;
    }
    if (parts.length === 1) return parts[0]!;
    return op === 'or' ? (raw) => parts.some((p) => p(raw)) : (raw) => parts.every((p) => p(raw));
  };
  const parseOr = (): RawPredicate | string => parseChain('or', parseAnd);
  const parseAnd = (): RawPredicate | string => parseChain('and', parseNot);
  const parseNot = (): RawPredicate | string => {
    if (word(peek()) === 'not') {
      at++;
      const inner = parseNot();
      return typeof inner === 'string' ? inner : (raw) => !inner(raw);
    }
    return parseAtom();
  };
  const parseAtom = (): RawPredicate | string => {
    const token = tokens[at++];
    if (!token) return `condition "${text}" ends too early`;
    if (token.kind === '(') {
      const inner = parseOr();
      if (tokens[at++]?.kind !== ')') return `condition "${text}": a "(" is not closed`;
      return inner;
    }
    if (token.kind !== 'word') return `condition "${text}": unexpected ")"`;
    const name = token.text;
    const lower = name.toLowerCase();
    if (lower === '1' || lower === 'all') {
      if (word(tokens[at]) !== 'of')
        return `condition "${text}": expected "of" after "${name}" (only "1 of" and "all of" are supported)`;
      const target = tokens[at + 1];
      at += 2;
      if (target?.kind !== 'word') return `condition "${text}": expected identifiers or "them" after "of"`;
      const matched = [...identifiers.entries()].filter(([name]) =>
        target.text === 'them' ? !name.startsWith('_') : globMatch(target.text, name),
      );
      if (matched.length === 0) return `condition "${text}": "${target.text}" names no search identifier`;
      const preds = matched.map(([, p]) => p);
      return lower === '1' ? (raw) => preds.some((p) => p(raw)) : (raw) => preds.every((p) => p(raw));
    }
    if (/^\d+$/.test(lower))
      return `condition "${text}": "${name} of" is not supported, only "1 of" and "all of"`;
    if (['and', 'or', 'of', 'them'].includes(lower)) return `condition "${text}": unexpected "${name}"`;
    const predicate = identifiers.get(name);
    if (!predicate) return `condition "${text}": no search identifier "${name}"`;
    return predicate;
  };

  const result = parseOr();
  if (typeof result === 'string') return result;
  if (at < tokens.length) return `condition "${text}": unexpected "${tokenText(tokens[at]!)}"`;
  return result;
}

function tokenText(token: Token): string {
  return token.kind === 'word' ? token.text : token.kind;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}
