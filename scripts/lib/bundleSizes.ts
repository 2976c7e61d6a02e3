// The size of every file the app's production build emits, raw and gzipped, and the main chunk's
// (the benchmark reports them beside its timings).
import path from 'node:path';

/**
 * Builds the app into a temp folder and reports every emitted file, raw and gzipped. The build
 * runs in its own process: the dev server started above sets NODE_ENV=development in this one,
 * which would bundle React's development build and overstate the main chunk.
 */
export async function bundleSizes() {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { createRequire } = await import('node:module');
  const { mkdtemp, readdir, readFile, rm } = await import('node:fs/promises');
  const { gzipSync } = await import('node:zlib');
  const { tmpdir } = await import('node:os');
  const outDir = await mkdtemp(path.join(tmpdir(), 'bench-build-'));
  try {
    const viteBin = path.join(
      path.dirname(createRequire(import.meta.url).resolve('vite/package.json')),
      'bin/vite.js',
    );
    await promisify(execFile)(
      process.execPath,
      [viteBin, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { env: { ...process.env, NODE_ENV: 'production' } },
    );
    const files = (await readdir(outDir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    const chunks = [];
    for (const f of files) {
      const full = path.join(f.parentPath, f.name);
      const bytes = await readFile(full);
      chunks.push({
        file: path.relative(outDir, full),
        bytes: bytes.length,
        gzipBytes: gzipSync(bytes).length,
      });
    }
    chunks.sort((a, b) => b.bytes - a.bytes);
    const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
    const entry = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    const main = chunks.find((c) => c.file === entry);
    return { mainChunk: entry ?? null, mainGzipBytes: main?.gzipBytes ?? 0, chunks };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
