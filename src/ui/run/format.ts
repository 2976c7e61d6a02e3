// Number formatting for the Run tab: byte sizes, durations and rates, short and unambiguous.

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1000 * 1024) return `${Math.round(n / 1024)} kB`;
  if (n < 1000 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${(n / (1024 * 1024 * 1024)).toFixed(2)} GB`;
}

/** "45 s", "3 min 05 s", "2 h 07 min"; "—" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export function formatRate(perSecond: number | null, unit: string): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(2)} ${unit}/s`;
}

export function formatPercent(done: number, total: number): string {
  return total > 0 ? `${Math.floor((done / total) * 100)} %` : '0 %';
}
