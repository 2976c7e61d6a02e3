// Offline mode and the network counter with fake browser parts: the default mode, the page's
// resource timing (foreign requests only, minus those its policy blocked), the engine worker's
// counts (kept across restarts), and offline mode reaching the worker and the page's policy.
import { describe, expect, it } from 'vitest';
import type { EngineApi, EngineClient } from '../../../src/state/engineClient.ts';
import { createOfflineStore, networkRequestCount } from '../../../src/state/offlineStore.ts';
import { OFFLINE_MODE_KEY } from '../../../src/sw/policy.ts';
import type { WorkerNetworkStats } from '../../../workers/engine/protocol.ts';

const ORIGIN = 'http://127.0.0.1:4173';

function setup(opts: { stored?: string; onLine?: boolean; started?: boolean } = {}) {
  const storage = new Map<string, string>(opts.stored ? [[OFFLINE_MODE_KEY, opts.stored]] : []);
  const listeners = new Map<string, ((e: Event) => void)[]>();
  const policies: string[] = [];
  let onUrl: (url: string) => void = () => {};
  let worker: WorkerNetworkStats = { workerId: 'w1', sent: 0, blocked: 0, offline: false, lastUrl: null };
  const offlineCalls: boolean[] = [];
  const api = {
    networkStats: async () => ({ ...worker }),
    setOffline: async (on: boolean) => {
      offlineCalls.push(on);
      worker.offline = on;
    },
  } as unknown as EngineApi;
  const engine: EngineClient = {
    api: () => api,
    guard: (p) => p,
    restart: () => {},
    started: opts.started ?? true,
  };
  const store = createOfflineStore({
    engine,
    origin: () => ORIGIN,
    onLine: () => opts.onLine ?? true,
    storage: () => ({
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
    }),
    listen: (type, listener) => listeners.set(type, [...(listeners.get(type) ?? []), listener]),
    observeResources: (cb) => {
      onUrl = cb;
      return { observe: () => {} };
    },
    addPolicy: (p) => void policies.push(p),
    serviceWorker: () => null,
    production: false,
    setInterval: () => 0,
  });
  const fire = (type: string, event: Partial<SecurityPolicyViolationEvent> = {}) => {
    for (const l of listeners.get(type) ?? []) l(event as Event);
  };
  return {
    store,
    storage,
    policies,
    offlineCalls,
    fire,
    resource: (url: string) => onUrl(url),
    setWorker: (w: Partial<WorkerNetworkStats>) => (worker = { ...worker, ...w }),
  };
}

describe('offline mode', () => {
  it('is off by default online, on when the page opens without network or when chosen', () => {
    expect(setup().store.getState()).toMatchObject({ offline: false, reason: 'default' });
    expect(setup({ onLine: false }).store.getState()).toMatchObject({ offline: true, reason: 'no-network' });
    expect(setup({ stored: 'on' }).store.getState()).toMatchObject({ offline: true, reason: 'user' });
    expect(setup({ stored: 'off', onLine: false }).store.getState()).toMatchObject({
      offline: true,
      reason: 'no-network',
    });
  });

  it('is remembered, narrows the page policy once, and reaches the engine worker', async () => {
    const t = setup();
    t.store.getState().start();
    expect(t.policies).toEqual([]);
    t.store.getState().setOffline(true);
    t.store.getState().setOffline(false);
    t.store.getState().setOffline(true);
    expect(t.storage.get(OFFLINE_MODE_KEY)).toBe('on');
    expect(t.policies).toEqual(["connect-src 'self'; img-src 'self' blob: data:"]);
    await Promise.resolve();
    expect(t.offlineCalls).toEqual([false, true, false, true]);
  });

  it('turns on when the browser goes offline', () => {
    const t = setup();
    t.store.getState().start();
    t.fire('offline');
    expect(t.store.getState()).toMatchObject({ offline: true, reason: 'no-network', online: false });
    expect(t.policies).toHaveLength(1);
  });

  it('stays offline across visits once asked to, and for this visit only when not', () => {
    const t = setup({ onLine: false });
    t.store.getState().start();
    expect(t.store.getState()).toMatchObject({ offline: true, reason: 'no-network' });
    t.store.getState().setStayOffline(true);
    expect(t.store.getState()).toMatchObject({ offline: true, reason: 'user' });
    expect(t.storage.get(OFFLINE_MODE_KEY)).toBe('on');
    // The next visit, with the network back, opens offline.
    const next = setup({ stored: t.storage.get(OFFLINE_MODE_KEY)!, onLine: true });
    expect(next.store.getState()).toMatchObject({ offline: true, reason: 'user' });
    next.store.getState().setStayOffline(false);
    expect(next.store.getState()).toMatchObject({ offline: true, reason: 'visit' });
    expect(setup({ stored: next.storage.get(OFFLINE_MODE_KEY)! }).store.getState().offline).toBe(false);
  });

  it('tells a worker started later at its first poll', async () => {
    const t = setup({ stored: 'on' });
    await t.store.getState().pollWorker();
    expect(t.offlineCalls).toEqual([true]);
  });
});

describe('network counter', () => {
  it('counts the page’s requests to other origins, not its own files, blob: or data:', () => {
    const t = setup();
    t.store.getState().start();
    t.resource(`${ORIGIN}/assets/index.js`);
    t.resource('blob:http://127.0.0.1:4173/1');
    t.resource('data:image/png;base64,AA==');
    t.resource('https://huggingface.co/a');
    expect(t.store.getState().pageRequests).toBe(1);
    expect(t.store.getState().lastForeignUrl).toBe('https://huggingface.co/a');
  });

  it('does not count what the page’s policy blocked (it never left), in either order of events', () => {
    const t = setup();
    t.store.getState().start();
    t.resource('https://evil.example/a.png');
    t.fire('securitypolicyviolation', { blockedURI: 'https://evil.example/a.png' });
    t.fire('securitypolicyviolation', { blockedURI: 'https://evil.example/b.png' });
    t.resource('https://evil.example/b.png');
    expect(t.store.getState()).toMatchObject({ pageRequests: 0, blocked: 2 });
  });

  it('adds the engine worker’s requests, keeping those of a worker that was restarted', async () => {
    const t = setup();
    t.store.getState().start();
    t.resource('https://huggingface.co/a');
    t.setWorker({ sent: 5, blocked: 1, lastUrl: 'https://huggingface.co/w' });
    await t.store.getState().pollWorker();
    t.setWorker({ workerId: 'w2', sent: 2, blocked: 0 });
    await t.store.getState().pollWorker();
    const s = t.store.getState();
    expect(s).toMatchObject({ pageRequests: 1, workerRequests: 7, blocked: 1, workerChecks: 2 });
    expect(networkRequestCount(s)).toBe(8);
  });

  it('does not start a worker to read its counts', async () => {
    const t = setup({ started: false });
    await t.store.getState().pollWorker();
    expect(t.store.getState().workerChecks).toBe(0);
  });
});
