// The app's service worker (production builds only; src/main.tsx registers it). On install it keeps
// a copy of every file the build lists in sw-manifest.json (app shell, bundled benchmark data,
// onnxruntime-web's wasm) in Cache Storage, so after one visit the page opens and runs with the
// network off. Same-origin GETs are answered from that copy first, with the cross-origin isolation
// headers added (SharedArrayBuffer, wasm threads) whatever the server sent. Requests to other
// origins pass through untouched, except in offline mode (the page posts it), where they are
// refused before leaving the machine. The build writes its version into VERSION below, so every new
// build installs afresh and the previous copy is deleted.
/* eslint-disable */
'use strict';

const VERSION = '__MEDICONFUSION_BUILD__';
const CACHE_PREFIX = 'mediconfusion-app-';
const CACHE = CACHE_PREFIX + VERSION;
/** Where offline mode survives this worker being stopped and restarted by the browser. */
const STATE_CACHE = 'mediconfusion-sw-state';
const STATE_URL = new URL('./__offline-mode__', self.location.href).href;

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

let offline = false;
let stateLoaded = false;
let blocked = 0;

const stateReady = caches
  .open(STATE_CACHE)
  .then((cache) => cache.match(STATE_URL))
  .then(async (res) => {
    if (res) offline = (await res.text()) === 'on';
  })
  .catch(() => undefined)
  .finally(() => {
    stateLoaded = true;
  });

function scoped(path) {
  return new URL(path, self.location.href).href;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const res = await fetch(scoped('sw-manifest.json'), { cache: 'no-store' });
      if (!res.ok) throw new Error(`sw-manifest.json: HTTP ${res.status}`);
      const manifest = await res.json();
      const cache = await caches.open(CACHE);
      // 'reload': the copy must be the files of this build, never an older HTTP-cached one.
      await cache.addAll(manifest.files.map((file) => new Request(scoped(file), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
      );
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'offline-mode') {
    offline = Boolean(data.offline);
    event.waitUntil(
      caches
        .open(STATE_CACHE)
        .then((cache) => cache.put(STATE_URL, new Response(offline ? 'on' : 'off')))
        .catch(() => undefined),
    );
  }
  if (data.type === 'offline-mode' || data.type === 'status') {
    event.source?.postMessage({ type: 'sw-status', version: VERSION, cache: CACHE, offline, blocked });
  }
});

/** A copy of a cached response carrying the isolation headers (cached headers are read-only). */
function withIsolation(res) {
  const headers = new Headers(res.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function refuse(request) {
  blocked++;
  const clients = await self.clients.matchAll({ includeUncontrolled: false });
  for (const client of clients) client.postMessage({ type: 'sw-blocked', url: request.url, blocked });
  return Response.error();
}

async function sameOrigin(request) {
  const cache = await caches.open(CACHE);
  const navigate = request.mode === 'navigate';
  // ignoreVary: servers answer with `Vary: Origin`, and a module script request carries an Origin.
  let hit = await cache.match(request, { ignoreSearch: navigate, ignoreVary: true });
  // The app is one page: any navigation inside it opens index.html (its tab is in the hash).
  if (!hit && navigate) hit = await cache.match(scoped('index.html'), { ignoreVary: true });
  if (hit) return withIsolation(hit);
  // A same-origin file the build does not list (images/ filled by `npm run fetch-images`).
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (!/^https?:$/.test(url.protocol)) return;
    if (stateLoaded) {
      if (offline) event.respondWith(refuse(request));
      // Online: not answered here, so the browser fetches it exactly as without a service worker.
      return;
    }
    event.respondWith(stateReady.then(() => (offline ? refuse(request) : fetch(request))));
    return;
  }
  if (request.method !== 'GET' || url.pathname.endsWith('/sw.js')) return;
  event.respondWith(sameOrigin(request));
});
