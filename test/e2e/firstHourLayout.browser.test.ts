// The first hour at laptop and projector sizes, in headless Chromium on the built app (issue 18):
// no view of any tab is wider than the window at 1366 × 768 and 1280 × 720 (the FF judge box
// included), the Explorer shows both images without scrolling, and presentation mode fits
// 1280 × 720 and 1920 × 1080 without scrolling, with nothing a class must read under 20 px.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LaunchedBrowser } from '../support/browser.ts';
import {
  chooseMethods,
  freshPage,
  imagesForPairs,
  importImages,
  loadModel,
  shot,
  startApp,
  waitForRunEnd,
  type App,
} from '../support/firstHour.ts';

const LAPTOPS = [
  { width: 1366, height: 768 },
  { width: 1280, height: 720 },
];
const TABS = ['pairs', 'run', 'results', 'explorer', 'storage'] as const;

let app: App;
let browser: LaunchedBrowser;
let page: Page;
let pairId: string;

/** How far the page (or the presentation, which covers it) reaches beyond the window. */
async function overflow(p: Page): Promise<{ x: number; y: number }> {
  return p.evaluate(() => {
    const doc = document.documentElement;
    const present = document.querySelector<HTMLElement>('[data-testid=explorer][data-present=true]');
    return {
      x: Math.max(
        doc.scrollWidth - window.innerWidth,
        present ? present.scrollWidth - present.clientWidth : 0,
      ),
      y: Math.max(
        doc.scrollHeight - window.innerHeight,
        present ? present.scrollHeight - present.clientHeight : 0,
      ),
    };
  });
}

/** Visible text under `selector` smaller than `min` px (SVG text scaled to the screen). */
async function smallText(p: Page, selector: string, min: number): Promise<string[]> {
  return p.evaluate(
    ({ selector, min }) => {
      const root = document.querySelector(selector);
      if (!root) return ['(no root)'];
      const out: string[] = [];
      for (const el of root.querySelectorAll<Element>('*')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '');
        if (!own) continue;
        const rect = el.getBoundingClientRect();
        if (rect.width <= 1 || rect.height <= 1 || el.closest('.visually-hidden')) continue;
        if (rect.bottom <= 0 || rect.top >= window.innerHeight) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none') continue;
        let size = parseFloat(style.fontSize);
        const svg = el.closest('svg');
        if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0) {
          size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        }
        if (size < min) out.push(`${size.toFixed(1)}px "${(el.textContent ?? '').trim().slice(0, 40)}"`);
      }
      return out;
    },
    { selector, min },
  );
}

beforeAll(async () => {
  app = await startApp();
  ({ browser, page } = await freshPage());
  await page.goto(app.runUrl);
  await loadModel(page);
  const images = imagesForPairs(4);
  pairId = images.pairIds[0]!;
  await importImages(page, images.files);
  await chooseMethods(page, ['GD', 'PS'], true);
  // The Run tab as it looks with a judge's box filled in.
  await page.getByTestId('judge-hub-id').fill('HuggingFaceTB/SmolLM2-360M-Instruct');
  await page.getByTestId('run-start').click();
  await waitForRunEnd(page);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('the first hour at laptop and projector sizes', () => {
  it('4. no tab is wider than the window at 1366 × 768 and 1280 × 720, the judge box inside its card', async () => {
    const wide: string[] = [];
    for (const size of LAPTOPS) {
      await page.setViewportSize(size);
      for (const tab of TABS) {
        await page.goto(`${app.url}/?hub=${encodeURIComponent(app.hub.url)}#${tab}`);
        await page.locator(`#panel-${tab}`).waitFor();
        await page.waitForTimeout(tab === 'results' ? 2500 : 1000);
        const o = await overflow(page);
        if (o.x > 0) wide.push(`${tab} at ${size.width}×${size.height}: ${o.x}px too wide`);
        if (tab === 'run') {
          const judge = await page.locator('.run-judge').boundingBox();
          const card = await page.locator('.run-card:has(.run-judge)').boundingBox();
          expect(judge && card).toBeTruthy();
          if (judge!.x + judge!.width > card!.x + card!.width + 0.5) {
            wide.push(
              `judge box at ${size.width}: ${judge!.x + judge!.width - card!.x - card!.width}px out of its card`,
            );
          }
          await shot(page, `first-hour-4-run-${size.width}`, true);
        }
      }
    }
    expect(wide).toEqual([]);
  });

  it('8. the Explorer shows both images without scrolling; presentation fits 1280 × 720 and 1920 × 1080 in large type', async () => {
    const problems: string[] = [];
    for (const size of LAPTOPS) {
      await page.setViewportSize(size);
      await page.goto(`${app.url}/#explorer?pair=${pairId}&method=GD`);
      await page.getByTestId('explorer-pair').waitFor({ timeout: 60_000 });
      await page.locator('.explorer-frame img').first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
      for (const frame of await page.locator('.explorer-frame').all()) {
        const box = (await frame.boundingBox())!;
        if (box.y < 0 || box.y + box.height > size.height + 0.5) {
          problems.push(
            `explorer ${size.width}×${size.height}: an image ends at ${Math.round(box.y + box.height)}px`,
          );
        }
      }
      await shot(page, `first-hour-8-explorer-${size.width}`);
    }
    const projectors = [
      { width: 1280, height: 720 },
      { width: 1920, height: 1080 },
    ];
    for (const size of projectors) {
      await page.setViewportSize(size);
      for (const view of ['pair', 'scatter', 'sensitivity'] as const) {
        await page.goto(`${app.url}/#explorer?pair=${pairId}&method=GD&view=${view}&present=1`);
        await page.locator('[data-testid=explorer][data-present=true]').waitFor({ timeout: 60_000 });
        if (view === 'pair') await page.locator('.explorer-frame img').first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(800);
        const o = await overflow(page);
        if (o.x > 0 || o.y > 0)
          problems.push(`present ${view} ${size.width}×${size.height}: overflows by ${o.x}, ${o.y}px`);
        const nav = await page.locator('.explorer-nav').first().boundingBox();
        if (!nav || nav.y < 0 || nav.y + nav.height > size.height)
          problems.push(`present ${view} ${size.width}: navigation not in view`);
        if (view === 'pair') {
          for (const id of ['explorer-answer-1', 'explorer-answer-2', 'explorer-blank-answer-1']) {
            const box = await page.getByTestId(id).boundingBox();
            if (!box || box.y + box.height > size.height + 0.5)
              problems.push(`present ${size.width}: ${id} cut off`);
          }
        }
        if (size.width === 1920) {
          for (const t of await smallText(page, '[data-testid=explorer]', 19.5))
            problems.push(`present ${view}: ${t}`);
        }
        await shot(page, `first-hour-8-present-${view}-${size.width}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
