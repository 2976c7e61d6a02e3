// GD's letter rule as a user sets it, in headless Chromium on the dev server: the generated tiny
// model (byte-level BPE, "A" and " A" distinct, SmolVLM's chat template) from a local hub, images of
// three pairs imported through the page. GD under the official rule, then "as written": two runs
// with their own ids; the stored cases keep the logits of every spelling and answer under their
// run's rule; the rule shows in the Run tab, Table 1, the run card and the Explorer's pair view.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import { letterRuleAnswer } from '../../src/core/run/letterRules.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';
import { storedRecords } from '../support/appDb.ts';

const ARTIFACTS = path.resolve('test-artifacts');
const dataset = officialDataset();
const pairs = dataset.pairs.slice(0, 3);
const images = [...new Set(pairs.flatMap((p) => [p.im1Local, p.im2Local]))];
const CASES = pairs.length * 2;

let dev: ViteDevServer;
let appUrl: string;
let hub: HubServer;
let browser: LaunchedBrowser;
let page: Page;

type StoredCase = CaseRecord & { runId: string };
interface StoredRun {
  id: string;
  label: string;
  status: string;
  letterRule?: string;
}

function stored(p: Page): Promise<{ cases: StoredCase[]; runs: StoredRun[] }> {
  return storedRecords<StoredCase, StoredRun>(p);
}

/** Starts the chosen run and waits until it is complete (the `complete`-th complete run stored). */
async function runToCompletion(p: Page, name: string, complete: number) {
  await p.getByTestId('run-start').click();
  const deadline = Date.now() + 300_000;
  for (;;) {
    const status = await p.getByTestId('run-status').textContent();
    if (
      status === 'Complete' &&
      (await stored(p)).runs.filter((r) => r.status === 'complete').length === complete
    )
      break;
    if (status === 'Stopped by an error') {
      await p.screenshot({ path: path.join(ARTIFACTS, `${name}-failed.png`), fullPage: true });
      throw new Error(`run failed: ${await p.getByTestId('run-error').textContent()}`);
    }
    if (Date.now() > deadline) throw new Error('the run did not finish');
    await p.waitForTimeout(300);
  }
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  ({ server: dev, url: appUrl } = await startDevServer());
  hub = await startHubServer({ 'test-org/tiny-smolvlm': TINY_MODEL_DIR });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await dev?.close();
});

describe('the GD letter rule in the app', () => {
  it('runs GD under the official rule and "as written" as two runs, and shows the rule everywhere', async () => {
    await page.goto(`${appUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm&dtype=fp32#run`);
    await page.getByTestId('model-hub-id').waitFor({ timeout: 120_000 });
    await page
      .getByTestId('images-files-input')
      .setInputFiles(images.map((id) => path.join(IMAGES_DIR, `${id}.jpg`)));
    await expect
      .poll(() => page.getByTestId('images-present-count').textContent(), { timeout: 60_000 })
      .toMatch(new RegExp(`^${images.length} of 228`));
    await page.getByTestId('model-hub-id').fill('test-org/tiny-smolvlm');
    await page.getByTestId('model-device').selectOption('wasm');
    await page.getByTestId('model-dtype').selectOption('fp32');
    await page.getByTestId('model-load').click();
    await expect
      .poll(() => page.getByTestId('model-status').textContent(), { timeout: 180_000 })
      .toMatch(/Loaded/);

    // The setting sits beside the methods; MC says its parser is spelling-blind.
    await expect(page.getByTestId('mc-spelling-note').textContent()).resolves.toMatch(/spelling-blind/);
    const rule = page.getByTestId('letter-rule');
    await expect(rule.inputValue()).resolves.toBe('official');
    await expect(page.getByTestId('letter-rule-note').textContent()).resolves.toMatch(
      /comparable with the paper/,
    );
    for (const m of ['PS', 'MC'] as const)
      if (await page.getByTestId(`method-${m}`).isChecked()) await page.getByTestId(`method-${m}`).click();
    await expect(page.getByTestId('method-GD').isChecked()).resolves.toBe(true);

    await runToCompletion(page, 'letter-rule-official', 1);
    const officialRunId = (await stored(page)).runs[0]!.id;

    await rule.selectOption('as-written');
    await expect(page.getByTestId('letter-rule-note').textContent()).resolves.toMatch(/not comparable/);
    // Another rule is another run: nothing of the official run counts as already computed.
    await expect
      .poll(() => page.locator('.run-preview').textContent(), { timeout: 30_000 })
      .toContain(`${CASES} cases to compute`);
    await runToCompletion(page, 'letter-rule-as-written', 2);
    await expect(
      page.locator('p.run-status-line:has([data-testid=run-status])').textContent(),
    ).resolves.toContain('GD letters as written');
    await page.screenshot({ path: path.join(ARTIFACTS, 'letter-rule-run.png'), fullPage: true });

    const { cases, runs } = await stored(page);
    expect(runs).toHaveLength(2);
    const written = runs.find((r) => r.id !== officialRunId)!;
    expect(written.letterRule).toBe('as-written');
    expect(written.label).toContain('GD letters as written');
    expect(runs.find((r) => r.id === officialRunId)!.letterRule).toBeUndefined();
    const ofRun = (id: string) => cases.filter((c) => c.runId === id);
    expect(ofRun(officialRunId)).toHaveLength(CASES);
    expect(ofRun(written.id)).toHaveLength(CASES);
    const officialOf = (c: StoredCase) =>
      ofRun(officialRunId).find((o) => o.pairId === c.pairId && o.slot === c.slot)!;
    for (const c of ofRun(written.id)) {
      // The tiny tokenizer: "A" 68 and " A" 259; the template writes " A" after "Assistant:".
      expect(c.letterLogits!.A.officialId).toBe(68);
      expect(c.letterLogits!.A.asWrittenId).toBe(259);
      expect(c.letterLogits).toEqual(officialOf(c).letterLogits);
    }
    // The official run's stored logits re-derive the as-written run exactly, in the page (the JS
    // engine the worker scored in: Node's Math.exp may differ from Chromium's in the last bit).
    const payload = ofRun(written.id).map((c) => ({
      stored: officialOf(c).letterLogits,
      answer: c.answer,
      probabilities: c.probabilities,
    }));
    const rederived = (await page.evaluate(
      `import('/src/core/run/letterRules.ts').then((m) => ${JSON.stringify(payload)}.map((c) => m.letterRuleAnswer(c.stored, 'as-written')))`,
    )) as { answer: string; probabilities: { A: number; B: number } }[];
    expect(rederived).toEqual(payload.map(({ answer, probabilities }) => ({ answer, probabilities })));
    for (const c of payload) {
      const inNode = letterRuleAnswer(c.stored!, 'as-written');
      expect(inNode.answer).toBe(c.answer);
      expect(inNode.probabilities.A).toBeCloseTo(c.probabilities!.A, 14);
    }

    // Results: the rule in the run's Table 1 label and in its run card.
    await page.goto(`${appUrl}/#results`);
    await page.getByTestId('results-table1').waitFor({ timeout: 60_000 });
    const row = page.locator(`[data-testid=results-row][data-run-id="${written.id}"]`);
    await expect.poll(() => row.count(), { timeout: 60_000 }).toBe(1);
    await expect(row.textContent()).resolves.toContain('GD letters as written');
    await page.getByTestId('results-detail-run').selectOption(written.id);
    const card = page.getByTestId('results-run-card');
    await expect.poll(() => card.textContent(), { timeout: 30_000 }).toContain('GD letter rule');
    await expect(card.textContent()).resolves.toContain('Not the paper’s rule');
    await expect(card.textContent()).resolves.toContain('" A" 259');
    await page.screenshot({ path: path.join(ARTIFACTS, 'letter-rule-results.png'), fullPage: true });

    // Explorer: the pair view says which rule and gives the probabilities under every rule.
    const pair = pairs[0]!;
    await page.goto(`${appUrl}/#explorer?run=${written.id}&pair=${pair.id}&method=GD`);
    const block = page.getByTestId('explorer-letter-rule-1');
    await block.waitFor({ timeout: 60_000 });
    await expect(block.getAttribute('data-rule')).resolves.toBe('as-written');
    await expect(block.textContent()).resolves.toContain('as written');
    await block.locator('summary').click();
    const c = ofRun(written.id).find((x) => x.pairId === pair.id && x.slot === 1)!;
    const current = block.locator('tr[data-rule="as-written"]');
    await expect(current.getAttribute('data-answer')).resolves.toBe(c.answer);
    await expect(current.getAttribute('data-p-a')).resolves.toBe(String(c.probabilities!.A));
    const both = letterRuleAnswer(c.letterLogits!, 'both');
    const bothShown = Number(await block.locator('tr[data-rule="both"]').getAttribute('data-p-a'));
    expect(bothShown).toBeCloseTo(both.probabilities.A, 14);
    await expect(block.locator('tr[data-rule="both"]').getAttribute('data-answer')).resolves.toBe(
      both.answer,
    );
    await expect(block.locator('tr[data-rule="official"]').getAttribute('data-answer')).resolves.toBe(
      officialOf(c).answer,
    );
    await expect(page.getByTestId('explorer-answer-1').getAttribute('data-answer')).resolves.toBe(c.answer);
    await page.screenshot({ path: path.join(ARTIFACTS, 'letter-rule-explorer.png'), fullPage: true });
  }, 900_000);
});
