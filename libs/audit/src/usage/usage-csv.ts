import type { ResolvedUsage } from './usage-reader';
import { FIGURE_COLUMNS, type UsageRow } from './usage-report';

/** A CSV cell: quoted when needed, and never read as a formula by a spreadsheet. */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const line = (row: UsageRow, key: string): string =>
  [key, ...FIGURE_COLUMNS.map((c) => (c === 'cost_usd' ? row.costText : String(row[c])))].map(cell).join(',');

/** The usage report as CSV: one row per group, then a `total` row; the same figures as the JSON. */
export function usageCsv(usage: ResolvedUsage): string {
  const lines = [[usage.groupBy, ...FIGURE_COLUMNS].join(',')];
  for (const row of usage.rows) lines.push(line(row, row.key ?? ''));
  lines.push(line(usage.totals, 'total'));
  return `${lines.join('\r\n')}\r\n`;
}
