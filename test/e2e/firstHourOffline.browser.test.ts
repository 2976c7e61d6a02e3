// A clinic's first hour offline, in headless Chromium on the built app with its service worker
// (issue 18): offline mode that switched itself on (no network) can be told to stay on until the
// user turns it off, which a reload with the network back remembers and the header shows; and the
// engine's wasm runtime is kept once in Cache Storage, not twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freshPage, loadModel, shot, startApp, type App } from '../support/firstHour.ts';

let app: App;

/** Every cached copy of onnxruntime-web's wasm binary, over all of the origin's caches. */
async function wasmCopies(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const r of await cache.keys())
        if (/ort-wasm[^/]*\.wasm$/.test(new URL(r.url).pathname)) out.push(`${name}: ${r.url}`);
    }
    return out;
  });
}

beforeAll(async () => {
  app = await startApp();
}, 300_000);

afterAll(async () => {
  await app?.close();
});

describe('the first hour offline', () => {
  it('10. offline mode can stay on until the user turns it off, across reloads with the network back; the wasm runtime is cached once', async () => {
    const { browser, page } = await freshPage();
    try {
      await page.goto(app.runUrl);
      await page.getByTestId('model-hub-id').waitFor({ timeout: 60_000 });
      await expect
        .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 120_000 })
        .toBe(true);
      await loadModel(page);
      // The app's offline copy holds the runtime; the model loader keeps no second copy.
      await expect.poll(() => wasmCopies(page), { timeout: 30_000 }).toHaveLength(1);
      expect((await wasmCopies(page))[0]).toMatch(/^mediconfusion-app-/);

      const toggle = page.getByTestId('offline-toggle');
      const help = page.locator('#offline-mode-help');
      // The page opens without network: offline mode switches itself on, for this visit.
      await browser.context.setOffline(true);
      await page.reload();
      await toggle.waitFor({ timeout: 60_000 });
      await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
      const stay = page.getByTestId('offline-stay');
      await expect(stay.isChecked()).resolves.toBe(false);
      expect(await help.textContent()).toMatch(/this visit/);
      await stay.check();
      await expect.poll(() => help.textContent()).toMatch(/stays on until you turn it off/);
      await shot(page, 'first-hour-10-stay-offline');

      // The network is back: the page still opens offline, and says why in the header.
      await browser.context.setOffline(false);
      await page.reload();
      await toggle.waitFor({ timeout: 60_000 });
      await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
      await expect(stay.isChecked()).resolves.toBe(true);
      expect(await help.textContent()).toMatch(/stays on until you turn it off/);
      await page.reload();
      await toggle.waitFor({ timeout: 60_000 });
      await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');

      // Turned off by the user: off it stays.
      await toggle.click();
      await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('false');
      await page.reload();
      await toggle.waitFor({ timeout: 60_000 });
      await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('false');
      expect(await wasmCopies(page)).toHaveLength(1);
    } finally {
      await browser.close();
    }
  });
});
