import { describe, expect, it } from 'vitest';
import { parseIpCountryCsv } from './ip-country-table';

const CSV = `ip_range_start,ip_range_end,country_code
1.0.0.0,1.0.0.255,AU
5.2.64.0,5.2.79.255,ro
198.51.100.0,198.51.100.127,US
2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,de
::ffff:203.0.113.0,::ffff:203.0.113.255,JP
`;

describe('address-to-country table (GEOIP_COUNTRY_FILE)', () => {
  const countryOf = parseIpCountryCsv(CSV, 'countries.csv');

  it('finds the range holding an address, at its edges too; none outside every range', () => {
    expect(countryOf('1.0.0.0')).toBe('AU');
    expect(countryOf('1.0.0.255')).toBe('AU');
    expect(countryOf('1.0.1.0')).toBeUndefined();
    expect(countryOf('5.2.70.9')).toBe('RO');
    expect(countryOf('198.51.100.128')).toBeUndefined();
    expect(countryOf('0.0.0.0')).toBeUndefined();
    expect(countryOf('255.255.255.255')).toBeUndefined();
  });

  it('reads IPv6 ranges, shortened and with an IPv4 tail', () => {
    expect(countryOf('2001:db8::1')).toBe('DE');
    expect(countryOf('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('DE');
    expect(countryOf('2001:db9::')).toBeUndefined();
    expect(countryOf('::ffff:203.0.113.9')).toBe('JP');
  });

  it('text that is no address has no country', () => {
    expect(countryOf('not-an-ip')).toBeUndefined();
    expect(countryOf('')).toBeUndefined();
  });

  it('refuses a line that is not a range, naming the file and line', () => {
    expect(() => parseIpCountryCsv('1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.1', 'c.csv')).toThrow(
      /^c\.csv:2: expected "first address,last address,country"/,
    );
    expect(() => parseIpCountryCsv('1.0.0.0,1.0.0.255,Australia', 'c.csv')).toThrow(
      /^c\.csv:1: expected a two-letter country code/,
    );
    expect(() => parseIpCountryCsv('1.0.0.9,1.0.0.1,AU', 'c.csv')).toThrow(
      /^c\.csv:1: the first address is after the last/,
    );
    expect(() => parseIpCountryCsv('1.0.0.0,2001:db8::,AU', 'c.csv')).toThrow(/^c\.csv:1:/);
  });
});
