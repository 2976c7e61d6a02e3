// The sequential colour scale for the model's own image similarity (the scatter's fill), and its
// small gradient legend. Viridis stops: ordered by lightness, so the scale reads in both themes, in
// greyscale and for colour-blind readers, and never looks like the outcome colours.
import type { Domain } from '../../core/results/scatterAxes.ts';

const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

function hex(rgb: readonly number[]): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** The range the scale spans: the values' own, widened a little when they are all equal. */
export function similarityDomain(values: Iterable<number>): Domain | null {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (min > max) return null;
  if (min === max) return { min: min - 0.005, max: max + 0.005 };
  return { min, max };
}

/** Colour of `value` on the scale over `domain` (clamped). */
export function similarityColour(domain: Domain, value: number): string {
  const t = Math.max(0, Math.min(1, (value - domain.min) / (domain.max - domain.min || 1)));
  const at = t * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(at));
  const f = at - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return hex([0, 1, 2].map((k) => a[k]! + (b[k]! - a[k]!) * f));
}

const GRADIENT = `linear-gradient(to right, ${STOPS.map(hex).join(', ')})`;

/** "fill: this model's similarity  0.812 ▬▬▬ 0.991", for the scatter's legend. */
export function SimilarityGradient({ domain }: { domain: Domain }) {
  return (
    <span className="explorer-legend-item" data-testid="explorer-scatter-model-scale">
      <span>fill: this model&rsquo;s image similarity</span>
      <span className="muted">{domain.min.toFixed(3)}</span>
      <span className="model-sim-gradient" style={{ backgroundImage: GRADIENT }} aria-hidden="true" />
      <span className="muted">{domain.max.toFixed(3)}</span>
    </span>
  );
}
