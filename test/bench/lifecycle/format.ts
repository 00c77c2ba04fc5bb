/** Numbers and tables for the terminal. */
export const n0 = (v: number): string =>
  Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—';
export const n1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '—');
export const n2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '—');

/** Numbers right-aligned after the first column, unless `left` (text columns). */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  left = false,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    '  ' +
    cells
      .map((c, i) => (i === 0 || left ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  return [
    line(headers),
    '  ' + widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}
