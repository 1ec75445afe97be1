/**
 * @module report: percentiles and plain-text tables for the benchmarks' printouts.
 */

/** The `p`-th percentile (0-100) of `values` by nearest rank; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : Number.NaN,
  };
}

/** Milliseconds for a table cell: `12.3 ms` below 100, `1,234 ms` above. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "-";
  return value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value).toLocaleString("en-US")} ms`;
}

/** "met" or "MISSED", for a target column: the benchmarks report, they never fail. */
export function verdict(met: boolean): string {
  return met ? "met" : "MISSED";
}

/**
 * Prints a titled table with aligned columns, and notes under it.
 *
 * @example printTable("Queue pickup", ["case", "p50"], [["wake-up", "12.0 ms"]], ["Measured: ..."]);
 */
export function printTable(
  title: string,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  notes: readonly string[] = [],
): void {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  const lines = [
    "",
    `== ${title} ==`,
    line(headers),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
    ...notes.map((note) => `  ${note}`),
  ];
  console.log(lines.join("\n"));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` at once, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
}
