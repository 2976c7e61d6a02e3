// The Run tab's dtype choice in a real browser against a local hub server: with no choice made, a
// dtype the repo declares (transformers.js_config) is loaded and shown as the repo's; a per-file
// choice ("Per-file dtypes") loads exactly those files and the model card names the mix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViteDevServer } from 'vite';
import type { Page } from 'playwright-core';
import { launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { startDevServer } from '../support/devServer.ts';
import { TINY_MODEL_DIR } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';

let server: ViteDevServer;
let baseUrl: string;
let hub: HubServer;
let browser: LaunchedBrowser;
let page: Page;

beforeAll(async () => {
  ({ server, url: baseUrl } = await startDevServer());
  hub = await startHubServer({ 'test-org/tiny-smolvlm': TINY_MODEL_DIR });
  browser = await launchChromium();
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await hub?.close();
  await server?.close();
});

async function loadTiny(p: Page): Promise<string> {
  await p.getByTestId('model-hub-id').fill('test-org/tiny-smolvlm');
  await p.getByTestId('model-device').selectOption('wasm');
  await p.getByTestId('model-load').click();
  await expect
    .poll(() => p.getByTestId('model-status').textContent(), { timeout: 120_000 })
    .toMatch(/Loaded|failed|lacks/i);
  return (await p.getByTestId('loaded-dtype').textContent()) ?? '';
}

describe('dtype choice in the Run tab', () => {
  it("loads the repo's declared dtype when the user has chosen none, and says so", async () => {
    await page.goto(`${baseUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm#run`);
    await page.getByTestId('model-hub-id').waitFor();
    // The page's own default on wasm is q8, which this repo does not ship; its config declares fp32.
    expect(await page.getByTestId('model-dtype').inputValue()).toBe('q8');
    expect(await loadTiny(page)).toBe('fp32 (declared by the repo)');
  });

  it('loads a per-file mix and names it', async () => {
    await page.goto(`${baseUrl}/?hub=${encodeURIComponent(hub.url)}&device=wasm#run`);
    await page.getByTestId('model-hub-id').waitFor();
    await page.getByTestId('model-dtype').selectOption('fp32');
    await page.getByTestId('file-dtypes').locator('summary').click();
    await page.getByTestId('file-dtype-vision_encoder').selectOption('fp16');
    expect(await loadTiny(page)).toBe('decoder_model_merged=fp32,embed_tokens=fp32,vision_encoder=fp16');
    const fetched = hub.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(fetched.some((f) => f.endsWith('/onnx/vision_encoder_fp16.onnx'))).toBe(true);
  });
});
