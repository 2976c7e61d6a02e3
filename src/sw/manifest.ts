// Build time only (Node; vite.config.ts calls it after the bundle is written): lists every file of
// the built folder in sw-manifest.json for the service worker to keep, and writes the build's
// version into the service worker, so a new build is a new service worker (browsers update a
// service worker only when its own bytes change) with a cache of its own.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SW_MANIFEST_FILE, type SwManifest } from './policy.ts';

export const SW_FILE = 'sw.js';
export const SW_VERSION_PLACEHOLDER = '__MEDICONFUSION_BUILD__';

/**
 * Paths the service worker does not keep: itself, its manifest, the images `npm run fetch-images`
 * puts in public/images/ (the user's data, imported into IndexedDB instead) and hidden files.
 */
export function keptByServiceWorker(relPath: string): boolean {
  if (relPath === SW_FILE || relPath === SW_MANIFEST_FILE) return false;
  if (relPath.startsWith('images/')) return false;
  return !relPath.split('/').some((part) => part.startsWith('.'));
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Writes `<outDir>/sw-manifest.json` and stamps the version into `<outDir>/sw.js`; returns the manifest. */
export async function writeServiceWorkerManifest(outDir: string): Promise<SwManifest> {
  const files = (await listFiles(outDir)).filter(keptByServiceWorker).sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update('\0');
    hash.update(await readFile(path.join(outDir, file)));
    hash.update('\0');
  }
  const swPath = path.join(outDir, SW_FILE);
  const sw = await readFile(swPath, 'utf8').catch(() => null);
  if (sw === null) throw new Error(`${SW_FILE} is missing from ${outDir} (expected from public/)`);
  hash.update(sw); // a change to the service worker alone is a new version too
  const manifest: SwManifest = { version: hash.digest('hex').slice(0, 16), files };
  await writeFile(path.join(outDir, SW_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(swPath, sw.replaceAll(SW_VERSION_PLACEHOLDER, manifest.version));
  return manifest;
}

/** Adds the page's Content-Security-Policy meta tag right after the charset declaration. */
export function injectCspMeta(html: string, policy: string): string {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${policy.replaceAll('"', '&quot;')}" />`;
  const charset = /<meta\s+charset=["']?[\w-]+["']?\s*\/?>/i;
  if (charset.test(html)) return html.replace(charset, (m) => `${m}\n    ${tag}`);
  return html.replace(/<head>/i, (m) => `${m}\n    ${tag}`);
}
