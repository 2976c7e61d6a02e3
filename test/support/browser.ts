// Headless Debian Chromium for the browser tests, started the way this workplace requires
// (never a downloaded browser), optionally with the SwiftShader-backed WebGPU adapter.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface LaunchedBrowser {
  context: BrowserContext;
  userDataDir: string;
  close(): Promise<void>;
}

export async function launchChromium(
  opts: { webgpu?: boolean; userDataDir?: string } = {},
): Promise<LaunchedBrowser> {
  const userDataDir = opts.userDataDir ?? (await mkdtemp(path.join(tmpdir(), 'chromium-profile-')));
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (opts.webgpu) args.push('--enable-unsafe-webgpu');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args,
    ignoreDefaultArgs: ['--headless'],
    viewport: { width: 1366, height: 768 },
  });
  return {
    context,
    userDataDir,
    close: async () => {
      await context.close();
      if (!opts.userDataDir) await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
