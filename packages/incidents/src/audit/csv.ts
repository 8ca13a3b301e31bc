export type CsvValue = string | number | boolean | null | undefined;

/**
 * Text a spreadsheet would run as a formula (OWASP's CSV injection list: = + - @, and tab and carriage
 * return, which some spreadsheets strip before looking).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field. Text that a spreadsheet would take for a formula gets a leading `'`, so a title like
 * `=HYPERLINK(...)` shows as text instead of running; numbers and booleans are written as they are. The
 * JSON files carry every value unaltered.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header line and one line per row, CRLF-terminated as RFC 4180 has it. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
