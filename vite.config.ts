// Build, dev server and test configuration in one place.
// Cross-origin isolation headers let onnxruntime-web use SharedArrayBuffer (wasm threads).
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/sw/policy.ts';
import { injectCspMeta, writeServiceWorkerManifest } from './src/sw/manifest.ts';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The offline deployment (production builds only; the dev server needs React's inline preamble):
 * the page's Content-Security-Policy meta tag, and sw-manifest.json listing every built file for
 * the service worker (public/sw.js) to keep, with the build's version stamped into sw.js.
 */
function offlineApp(): Plugin {
  let outDir = '';
  return {
    name: 'mediconfusion-offline-app',
    apply: 'build',
    // The app registers its service worker only where this is defined (never on the dev server).
    config: () => ({ define: { __MEDICONFUSION_SW__: 'true' } }),
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    transformIndexHtml: {
      order: 'post',
      handler: (html) => injectCspMeta(html, contentSecurityPolicy()),
    },
    async closeBundle() {
      await writeServiceWorkerManifest(outDir);
    },
  };
}

export default defineConfig({
  plugins: [react(), offlineApp()],
  base: './',
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], environment: 'node' },
      },
      {
        extends: true,
        test: {
          name: 'engine',
          include: ['test/engine/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
          globalSetup: ['test/setup/fixtures.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 900_000,
          hookTimeout: 900_000,
          globalSetup: ['test/setup/fixtures.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
