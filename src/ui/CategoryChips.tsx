// Category names as small coloured chips; the colour is a stable hue per category so the same
// category reads the same everywhere, with the name always shown (colour is never the only cue).
import type { CSSProperties } from 'react';

/** Hue for the i-th category of the dataset's display order, spread around the colour wheel. */
export function categoryHue(index: number): number {
  return index < 0 ? 0 : (index * 137.5 + 200) % 360;
}

interface Props {
  categories: readonly string[];
  /** The dataset's category order, which fixes each category's colour. */
  order: readonly string[];
  label: string;
}

export function CategoryChips({ categories, order, label }: Props) {
  return (
    <ul className="chips" aria-label={label}>
      {categories.map((c) => (
        <li key={c} className="chip" style={{ '--chip-hue': categoryHue(order.indexOf(c)) } as CSSProperties}>
          {c}
        </li>
      ))}
    </ul>
  );
}
