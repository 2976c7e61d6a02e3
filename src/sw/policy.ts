// The offline deployment's rules in one pure module, shared by the build (vite.config.ts writes the
// Content-Security-Policy meta tag), the page (offline mode, the network counter) and the tests:
// which origins the page may reach, what counts as a network request, and offline mode's default.
import { CLOUD_SERVICE_BASE_URL } from '../core/images/imageSource.ts';

/** Where models are downloaded from when offline mode is off (the Hugging Face hub and its CDNs). */
export const HUB_CONNECT_SOURCES: readonly string[] = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
];

/**
 * Where the page itself downloads the benchmark images from when offline mode is off ("Get the
 * benchmark images" in the Run tab): the PMC Cloud Service (src/core/images/imageSource.ts).
 */
export const IMAGE_SOURCE_CONNECT_SOURCES: readonly string[] = [new URL(CLOUD_SERVICE_BASE_URL).origin];

/** Cache Storage name of the app shell the service worker keeps (a build version is appended). */
export const APP_CACHE_PREFIX = 'mediconfusion-app-';

/** Cache Storage name transformers.js keeps downloaded model files under. */
export const MODEL_CACHE_NAME = 'transformers-cache';

/** localStorage key of the user's explicit offline-mode choice ('on' or 'off'). */
export const OFFLINE_MODE_KEY = 'mediconfusion-offline-mode';

/** Files the build lists for the service worker to keep (written next to index.html). */
export const SW_MANIFEST_FILE = 'sw-manifest.json';

export interface SwManifest {
  /** Hash of every listed file's name and content: a new build gets a new cache. */
  version: string;
  /** Paths relative to the folder holding index.html, '/'-separated. */
  files: string[];
}

/**
 * The Content-Security-Policy of the built page. Only the app's own origin, plus the hub and the
 * image source for connect-src unless `offline`. 'wasm-unsafe-eval' lets onnxruntime-web compile its wasm; blob:
 * workers and images are the app's own (thumbnails, the runtime's thread workers).
 */
export function contentSecurityPolicy(opts: { offline?: boolean } = {}): string {
  const connect = [
    "'self'",
    ...(opts.offline ? [] : [...HUB_CONNECT_SOURCES, ...IMAGE_SOURCE_CONNECT_SOURCES]),
  ];
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'", "'wasm-unsafe-eval'"]],
    ['worker-src', ["'self'", 'blob:']],
    ['connect-src', connect],
    ['img-src', ["'self'", 'blob:', 'data:']],
    ['style-src', ["'self'"]],
    ['font-src', ["'self'"]],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['form-action', ["'self'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/**
 * The extra policy the page adds while offline mode is on. Policies only ever add up (a request
 * must pass every one), so this narrows connect-src to the app's origin without a reload.
 */
export function offlineConnectPolicy(): string {
  return "connect-src 'self'; img-src 'self' blob: data:";
}

/**
 * Whether a resource URL leaves the page's origin over the network. Only http(s) and ws(s) count:
 * blob: and data: URLs never leave the machine.
 */
export function isForeignUrl(url: string, origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url, origin);
  } catch {
    return false;
  }
  if (!/^(https?|wss?):$/.test(parsed.protocol)) return false;
  const own = new URL(origin);
  const httpProtocol = parsed.protocol.replace(/^ws/, 'http');
  return !(httpProtocol === own.protocol && parsed.host === own.host);
}

/**
 * Offline mode at page load: on when the user turned it on, and on whenever the browser has no
 * network (it could not be used anyway), whatever was chosen before.
 */
export function initialOfflineMode(stored: string | null, onLine: boolean): boolean {
  return stored === 'on' || !onLine;
}
