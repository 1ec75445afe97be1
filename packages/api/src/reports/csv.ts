/**
 * @module reports/csv: CSV as RFC 4180 writes it (CRLF lines, a field quoted when it holds a comma,
 * a quote or a line break, quotes doubled), with every cell made safe to open in a spreadsheet: one
 * that a spreadsheet would read as a formula starts with a quote instead.
 */

/** What a spreadsheet takes as the start of a formula (OWASP's list: = + - @, tab and carriage return). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: `'` before text a spreadsheet would run as a formula, then quoted if it must be.
 *
 * @example csvCell('=HYPERLINK("http://x")') // "\"'=HYPERLINK(\"\"http://x\"\")\""
 */
export function csvCell(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * A CSV document: the header row, then each row, every line ended by CRLF.
 *
 * @example csvDocument(["a", "b"], [["1", "x,y"]]) // "a,b\r\n1,\"x,y\"\r\n"
 */
export function csvDocument(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(",")}\r\n`).join("");
}
