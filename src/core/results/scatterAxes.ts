// The similarity scatter's axes: the paper's similarity thresholds, axis ranges that cover the data
// and the threshold, ticks and linear scales.

/** The paper's pair selection: alike for BiomedCLIP (≥ 0.9), different for DINOv2 (≤ 0.75). */
export const PAPER_THRESHOLDS = Object.freeze({ biomedClipMin: 0.9, dinoMax: 0.75 });

export interface Domain {
  min: number;
  max: number;
}

/** An axis range covering the values and the threshold, padded and rounded out to `step`. */
export function axisDomain(values: readonly (number | null)[], threshold: number, step: number): Domain {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(threshold, ...xs);
  let hi = Math.max(threshold, ...xs);
  const pad = Math.max((hi - lo) * 0.04, step / 4);
  lo = Math.floor((lo - pad) / step) * step;
  hi = Math.ceil((hi + pad) / step) * step;
  return { min: round(lo), max: round(hi) };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Tick values from min to max every `step` (float-safe). */
export function ticks(domain: Domain, step: number): number[] {
  const out: number[] = [];
  const n = Math.round((domain.max - domain.min) / step);
  for (let i = 0; i <= n; i++) out.push(round(domain.min + i * step));
  return out;
}

/** Linear map of a domain onto [from, to] (to < from for a y axis pointing up). */
export function scale(domain: Domain, from: number, to: number): (v: number) => number {
  const span = domain.max - domain.min || 1;
  return (v) => from + ((v - domain.min) / span) * (to - from);
}
