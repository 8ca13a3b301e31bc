/**
 * Sources name countries differently: Okta's geographical context gives an English name ("Romania"), an address
 * table (`GEOIP_COUNTRY_FILE`) an ISO 3166-1 alpha-2 code ("RO"). `vigil.country` holds the code wherever one is
 * known, so a rule comparing a user's countries sees one country, whichever source saw the sign-in.
 */
let byName: Map<string, string> | undefined;

/** English region names (as Node's ICU spells them) to their two-letter codes, built once. */
function namesToCodes(): Map<string, string> {
  if (byName) return byName;
  byName = new Map();
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const A = 'A'.charCodeAt(0);
  for (let i = 0; i < 26; i += 1) {
    for (let j = 0; j < 26; j += 1) {
      const code = String.fromCharCode(A + i, A + j);
      const name = names.of(code);
      // ICU also names some reserved codes (UK for GB): the first code, the ISO one, keeps the name.
      const key = name?.toLowerCase();
      if (key && name !== code && code !== 'ZZ' && !byName.has(key)) byName.set(key, code);
    }
  }
  return byName;
}

/** The two-letter code of a country given by name or code; the value itself (trimmed) when it is neither. */
export function countryCode(value: string): string {
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  return namesToCodes().get(trimmed.toLowerCase()) ?? trimmed;
}
