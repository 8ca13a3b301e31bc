import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** The country of an address, or undefined when the table has no range holding it. */
export type CountryLookup = (ip: string) => string | undefined;

interface Ranges<T> {
  starts: T[];
  ends: T[];
  countries: string[];
}

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** IPv6 (including `::` and an embedded IPv4 tail) as a 128-bit integer. */
function v6BigInt(ip: string): bigint {
  let text = ip.toLowerCase().split('%')[0] ?? '';
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const n = v4Number(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) + BigInt(parseInt(group || '0', 16)), 0n);
}

/** The last range whose start is at or before `value`, if it reaches `value`. */
function find<T extends number | bigint>(ranges: Ranges<T>, value: T): string | undefined {
  let low = 0;
  let high = ranges.starts.length - 1;
  let best = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((ranges.starts[mid] as T) <= value) {
      best = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return best >= 0 && value <= (ranges.ends[best] as T) ? ranges.countries[best] : undefined;
}

function sorted<T extends number | bigint>(rows: Array<[T, T, string]>): Ranges<T> {
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { starts: rows.map((r) => r[0]), ends: rows.map((r) => r[1]), countries: rows.map((r) => r[2]) };
}

/**
 * An address-to-country table from CSV lines `first address,last address,country code` (IPv4 and IPv6 ranges,
 * as the free country databases publish them in CSV). A first line that holds no address is a header. Any
 * other line that is not a range (addresses of one family, first ≤ last, a two-letter code) is refused with
 * its file and line, so a truncated download is noticed at start and not as silently missing countries.
 */
export function parseIpCountryCsv(text: string, file: string): CountryLookup {
  const v4: Array<[number, number, string]> = [];
  const v6: Array<[bigint, bigint, string]> = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const [first = '', last = '', country = ''] = line
      .split(',')
      .map((cell) => cell.trim().replace(/^"|"$/g, ''));
    const family = isIP(first);
    if (index === 0 && family === 0) return;
    const where = `${file}:${index + 1}`;
    if (family === 0 || isIP(last) !== family)
      throw new Error(
        `${where}: expected "first address,last address,country", got ${JSON.stringify(line.slice(0, 120))}`,
      );
    if (!/^[A-Za-z]{2}$/.test(country))
      throw new Error(
        `${where}: expected a two-letter country code, got ${JSON.stringify(country.slice(0, 20))}`,
      );
    const code = country.toUpperCase();
    if (family === 4) {
      const range: [number, number, string] = [v4Number(first), v4Number(last), code];
      if (range[0] > range[1]) throw new Error(`${where}: the first address is after the last`);
      v4.push(range);
    } else {
      const range: [bigint, bigint, string] = [v6BigInt(first), v6BigInt(last), code];
      if (range[0] > range[1]) throw new Error(`${where}: the first address is after the last`);
      v6.push(range);
    }
  });
  const ranges4 = sorted(v4);
  const ranges6 = sorted(v6);
  return (ip) => {
    const family = isIP(ip);
    if (family === 4) return find(ranges4, v4Number(ip));
    if (family === 6) return find(ranges6, v6BigInt(ip));
    return undefined;
  };
}

export function loadIpCountryFile(file: string): CountryLookup {
  return parseIpCountryCsv(readFileSync(file, 'utf8'), file);
}
