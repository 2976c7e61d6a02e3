// The run comparison as a table of text, one row per method: what the Results tab's "Compare two
// runs" panel shows and `npm run compare` prints, so both say the same thing the same way. Pure.
import type { MethodComparison, RunComparison } from './runComparison.ts';
import { formatInterval, formatPValue, formatValue } from './tableRows.ts';

export const COMPARISON_COLUMNS = [
  'Method',
  'Images compared',
  'Flipped',
  'Agreement (95 % Wilson)',
  'Set accuracy A → B',
  'Δ (points)',
  'McNemar b',
  'c',
  'p',
] as const;

const percent = (x: number | null) => (x === null ? '—' : `${formatValue(x)} %`);

/** Signed, in percentage points with two decimals: "+5.00", "−2.50", "0.00". */
export function formatDelta(x: number | null): string {
  if (x === null) return '—';
  const text = formatValue(Math.abs(x));
  if (Number(text) === 0) return '0.00';
  return `${x > 0 ? '+' : '−'}${text}`;
}

export function comparisonRow(m: MethodComparison): string[] {
  const a = m.agreement;
  return [
    m.method,
    String(m.casesCompared),
    String(m.casesFlipped),
    a === null ? '—' : `${percent(a.estimate)} (${formatInterval(a.lower, a.upper)})`,
    `${percent(m.setAccuracyA)} → ${percent(m.setAccuracyB)} (${m.pairsCompared} pairs)`,
    formatDelta(m.delta),
    String(m.mcnemar.b),
    String(m.mcnemar.c),
    formatPValue(m.mcnemar.pValue),
  ];
}

/** The lines above the table: the two runs and what differs between them. */
export function comparisonHeader(c: RunComparison): string[] {
  const lines = [`A: ${c.a.label} (${c.a.id})`, `B: ${c.b.label} (${c.b.id})`];
  lines.push(
    c.differences.length > 0
      ? `differs in: ${c.differences.map((d) => `${d.setting} ${d.a} → ${d.b}`).join('; ')}`
      : 'differs in: no recorded setting (only the run ids differ)',
  );
  return lines;
}

/** Columns padded to a common width, for a terminal. */
export function comparisonText(c: RunComparison): string {
  const rows = [[...COMPARISON_COLUMNS], ...c.methods.map(comparisonRow)];
  const widths = COMPARISON_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const notes = c.skipped.map((s) => `not compared: ${s.method}, ${s.reason}`);
  return [...comparisonHeader(c), '', ...table, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
