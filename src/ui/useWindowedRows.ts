// Windowed rendering of a long table that scrolls with the page: only the rows near the screen
// are in the document, between two spacer rows that keep the scroll height. Row heights are
// measured once rendered (rows wrap, so they differ) and estimated until then. Up to `threshold`
// rows everything is rendered, so the browser's find-in-page still sees every row of the
// official 176 pairs.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

export interface RowWindow {
  /** Attach to the element holding the rows (e.g. the <tbody>); rows carry `data-row-index`. */
  bodyRef: (el: HTMLElement | null) => void;
  start: number;
  end: number;
  /** Heights of the spacers above and below the rendered rows (0 when everything is shown). */
  padTop: number;
  padBottom: number;
}

interface Options {
  threshold?: number;
  /** Estimated row height before a row is measured (px). */
  estimate?: number;
  /** Rendered beyond the screen on each side (px). */
  overscan?: number;
}

/** Row `keys` in order; the window resets its measurements when they change. */
export function useWindowedRows(keys: readonly string[], opts: Options = {}): RowWindow {
  const { threshold = 200, estimate = 72, overscan = 900 } = opts;
  const count = keys.length;
  const windowed = count > threshold;
  const heights = useRef(new Map<string, number>());
  const body = useRef<HTMLElement | null>(null);
  const [range, setRange] = useState({ start: 0, end: Math.min(count, 40) });
  const [version, setVersion] = useState(0);

  const offsets = useMemo(() => {
    void version;
    const out = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) out[i + 1] = out[i]! + (heights.current.get(keys[i]!) ?? estimate);
    return out;
  }, [keys, count, estimate, version]);

  const update = useCallback(() => {
    const el = body.current;
    if (!el || !windowed) return;
    const top = -el.getBoundingClientRect().top - overscan;
    const bottom = -el.getBoundingClientRect().top + window.innerHeight + overscan;
    let start = 0;
    while (start < count && offsets[start + 1]! < top) start++;
    let end = start;
    while (end < count && offsets[end]! < bottom) end++;
    setRange((r) => (r.start === start && r.end === end ? r : { start, end }));
  }, [count, offsets, overscan, windowed]);

  useEffect(() => {
    if (!windowed) return;
    let frame = 0;
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        update();
      });
    };
    update();
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', onScroll);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', onScroll);
    };
  }, [update, windowed]);

  // Measure the rows just rendered; new heights move the spacers and may change the range.
  useLayoutEffect(() => {
    const el = body.current;
    if (!el || !windowed) return;
    let changed = false;
    for (const row of el.querySelectorAll<HTMLElement>('[data-row-index]')) {
      const key = keys[Number(row.dataset.rowIndex)];
      const h = row.getBoundingClientRect().height;
      if (key !== undefined && h > 0 && heights.current.get(key) !== h) {
        heights.current.set(key, h);
        changed = true;
      }
    }
    if (changed) setVersion((v) => v + 1);
  }, [windowed, keys, range.start, range.end]);

  const bodyRef = useCallback((el: HTMLElement | null) => {
    body.current = el;
  }, []);

  if (!windowed) return { bodyRef, start: 0, end: count, padTop: 0, padBottom: 0 };
  const start = Math.min(range.start, count);
  const end = Math.max(start, Math.min(range.end, count));
  return {
    bodyRef,
    start,
    end,
    padTop: offsets[start]!,
    padBottom: offsets[count]! - offsets[end]!,
  };
}
