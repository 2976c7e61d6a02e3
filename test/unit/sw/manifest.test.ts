// The build's offline pieces: sw-manifest.json lists every built file the service worker keeps,
// the service worker gets the build's version, and the page gets its policy meta tag.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SW_VERSION_PLACEHOLDER,
  injectCspMeta,
  keptByServiceWorker,
  writeServiceWorkerManifest,
} from '../../../src/sw/manifest.ts';
import { contentSecurityPolicy } from '../../../src/sw/policy.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function fakeBuild(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sw-manifest-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

const BUILD = {
  'index.html': '<html></html>',
  'sw.js': `const VERSION = '${SW_VERSION_PLACEHOLDER}';`,
  'assets/index-abc.js': 'js',
  'assets/ort-wasm.wasm': 'wasm',
  'data/mediconfusion/dataset.json': '{}',
  'images/20000.jpg': 'user image',
  '.DS_Store': 'x',
};

describe('service worker manifest', () => {
  it('lists every built file except the worker itself, user images and hidden files', async () => {
    const dir = await fakeBuild(BUILD);
    const manifest = await writeServiceWorkerManifest(dir);
    expect(manifest.files).toEqual([
      'assets/index-abc.js',
      'assets/ort-wasm.wasm',
      'data/mediconfusion/dataset.json',
      'index.html',
    ]);
    expect(manifest.version).toMatch(/^[0-9a-f]{16}$/);
    expect(JSON.parse(await readFile(path.join(dir, 'sw-manifest.json'), 'utf8'))).toEqual(manifest);
    const sw = await readFile(path.join(dir, 'sw.js'), 'utf8');
    expect(sw).toBe(`const VERSION = '${manifest.version}';`);
    expect(keptByServiceWorker('sw-manifest.json')).toBe(false);
  });

  it('a new build is a new version; the same build is the same version', async () => {
    const a = await writeServiceWorkerManifest(await fakeBuild(BUILD));
    const b = await writeServiceWorkerManifest(await fakeBuild(BUILD));
    const c = await writeServiceWorkerManifest(
      await fakeBuild({ ...BUILD, 'data/mediconfusion/dataset.json': '{"changed":true}' }),
    );
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
  });

  it('refuses a build without the service worker', async () => {
    await expect(writeServiceWorkerManifest(await fakeBuild({ 'index.html': 'x' }))).rejects.toThrow(
      /sw\.js/,
    );
  });
});

describe('policy meta tag', () => {
  it('goes right after the charset, before any script or style', () => {
    const html = '<html><head>\n<meta charset="UTF-8" />\n<script src="a.js"></script></head></html>';
    const out = injectCspMeta(html, contentSecurityPolicy());
    const meta = out.indexOf('http-equiv="Content-Security-Policy"');
    expect(meta).toBeGreaterThan(out.indexOf('charset'));
    expect(meta).toBeLessThan(out.indexOf('<script'));
    expect(out).toContain(`content="${contentSecurityPolicy()}"`);
  });

  it('escapes quotes in the policy and works without a charset tag', () => {
    const out = injectCspMeta('<html><head></head></html>', `default-src 'self' "x"`);
    expect(out).toContain(
      '<head>\n    <meta http-equiv="Content-Security-Policy" content="default-src \'self\' &quot;x&quot;" />',
    );
  });
});
