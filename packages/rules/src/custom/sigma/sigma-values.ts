import { BlockList, isIP } from 'node:net';

/** Tests one candidate value of a field (from the raw payload). */
export type ValueTest = (candidate: unknown) => boolean;

const SUPPORTED = [
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'exists',
  'cased',
  'gt',
  'gte',
  'lt',
  'lte',
];
const REFUSED: Readonly<Record<string, string>> = {
  base64: 'base64 encoding',
  base64offset: 'base64offset encoding',
  utf16le: 'utf16 encodings',
  utf16be: 'utf16 encodings',
  utf16: 'utf16 encodings',
  wide: 'utf16 encodings',
  windash: 'windash (Windows command lines)',
  expand: 'placeholder expansion',
  fieldref: 'field references',
};

/** Why a modifier chain cannot be evaluated, or undefined when it can. */
export function refusedModifier(modifiers: readonly string[]): string | undefined {
  for (const modifier of modifiers) {
    const refused = REFUSED[modifier];
    if (refused) return `the "${modifier}" modifier (${refused}) is not supported`;
    if (!SUPPORTED.includes(modifier)) return `unknown modifier "${modifier}"`;
  }
  const reFlags = modifiers.filter((m) => m === 'i' || m === 'm' || m === 's');
  if (reFlags.length > 0 && !modifiers.includes('re')) return `"${reFlags[0]}" only qualifies "re"`;
  return undefined;
}

function text(candidate: unknown): string | undefined {
  if (typeof candidate === 'string') return candidate;
  if (typeof candidate === 'number' || typeof candidate === 'boolean') return String(candidate);
  return undefined;
}

/** A Sigma value with `*` and `?` wildcards (and `\` escapes) as an anchored regular expression. */
function wildcardPattern(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1]!)) {
      out += escapeRegex(value[++i]!);
    } else if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The test for one value of a selection under a modifier chain. Plain values compare
 * case-insensitively (as Sigma's backends for these sources do) unless `cased`; `re` is
 * case-sensitive unless `re|i`. Returns a problem text when the value does not fit the modifiers.
 */
export function valueTest(value: unknown, modifiers: readonly string[]): ValueTest | string {
  if (modifiers.includes('exists')) {
    if (typeof value !== 'boolean') return 'exists takes true or false';
    return () => true; // presence is decided by the caller, which sees the field's values
  }
  if (modifiers.includes('cidr')) {
    if (typeof value !== 'string') return 'cidr takes a network such as 10.0.0.0/8';
    const [net, bits] = value.split('/');
    const family = isIP(net ?? '');
    const prefix = Number(bits);
    if (family === 0 || !Number.isInteger(prefix)) return `not a network: ${value}`;
    const list = new BlockList();
    list.addSubnet(net!, prefix, family === 6 ? 'ipv6' : 'ipv4');
    return (candidate) => {
      const ip = text(candidate);
      const f = ip === undefined ? 0 : isIP(ip);
      return f !== 0 && list.check(ip!, f === 6 ? 'ipv6' : 'ipv4');
    };
  }
  const comparison = modifiers.find((m) => m === 'gt' || m === 'gte' || m === 'lt' || m === 'lte');
  if (comparison) {
    if (typeof value !== 'number') return `${comparison} takes a number`;
    return (candidate) => {
      const n = typeof candidate === 'number' ? candidate : Number(text(candidate) ?? NaN);
      if (Number.isNaN(n)) return false;
      return comparison === 'gt'
        ? n > value
        : comparison === 'gte'
          ? n >= value
          : comparison === 'lt'
            ? n < value
            : n <= value;
    };
  }
  if (value === null) return (candidate) => candidate === null || candidate === undefined;
  const valueText = text(value);
  if (valueText === undefined) return 'expected a plain value (text, number, true/false or null)';
  if (modifiers.includes('re')) {
    const flags = `${modifiers.includes('i') ? 'i' : ''}${modifiers.includes('m') ? 'm' : ''}${modifiers.includes('s') ? 's' : ''}`;
    try {
      const re = new RegExp(valueText, flags);
      return (candidate) => {
        const t = text(candidate);
        return t !== undefined && re.test(t);
      };
    } catch (error) {
      return `not a valid regular expression: ${(error as Error).message}`;
    }
  }
  let pattern = wildcardPattern(valueText);
  if (modifiers.includes('contains')) pattern = `.*${pattern}.*`;
  else if (modifiers.includes('startswith')) pattern = `${pattern}.*`;
  else if (modifiers.includes('endswith')) pattern = `.*${pattern}`;
  const re = new RegExp(`^${pattern}$`, modifiers.includes('cased') ? 's' : 'is');
  return (candidate) => {
    const t = text(candidate);
    return t !== undefined && re.test(t);
  };
}
