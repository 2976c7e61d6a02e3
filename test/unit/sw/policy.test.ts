// The offline deployment's rules: the page's Content-Security-Policy, what counts as a request
// leaving the origin (page and engine worker), and offline mode's default.
import { describe, expect, it } from 'vitest';
import {
  HUB_CONNECT_SOURCES,
  IMAGE_SOURCE_CONNECT_SOURCES,
  contentSecurityPolicy,
  initialOfflineMode,
  isForeignUrl,
  offlineConnectPolicy,
} from '../../../src/sw/policy.ts';
import { createNetworkGuard, leavesOrigin, OfflineRefusal } from '../../../workers/engine/networkGuard.ts';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values];
    }),
  );
}

describe('Content-Security-Policy', () => {
  it('allows only the app’s own origin, plus the hub and the image source for connections when online', () => {
    const csp = directives(contentSecurityPolicy());
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(csp.get('connect-src')).toEqual([
      "'self'",
      ...HUB_CONNECT_SOURCES,
      ...IMAGE_SOURCE_CONNECT_SOURCES,
    ]);
    expect(IMAGE_SOURCE_CONNECT_SOURCES).toEqual(['https://pmc-oa-opendata.s3.amazonaws.com']);
    expect(csp.get('img-src')).toEqual(["'self'", 'blob:', 'data:']);
    expect(csp.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    // No inline script or style, no eval, no third-party host anywhere but the hub and the image source.
    for (const [name, values] of csp) {
      expect(values, name).not.toContain("'unsafe-inline'");
      expect(values, name).not.toContain("'unsafe-eval'");
      if (name !== 'connect-src')
        expect(
          values.filter((v) => v.startsWith('http')),
          name,
        ).toEqual([]);
    }
  });

  it('offline: connections to the app’s origin only', () => {
    expect(directives(contentSecurityPolicy({ offline: true })).get('connect-src')).toEqual(["'self'"]);
    expect(directives(offlineConnectPolicy()).get('connect-src')).toEqual(["'self'"]);
  });
});

describe('requests that leave the origin', () => {
  const origin = 'http://127.0.0.1:4173';

  it('counts other hosts, ports and schemes; never blob:, data: or the app itself', () => {
    expect(isForeignUrl('https://huggingface.co/x', origin)).toBe(true);
    expect(isForeignUrl('http://127.0.0.1:9999/x', origin)).toBe(true);
    expect(isForeignUrl('https://127.0.0.1:4173/x', origin)).toBe(true);
    expect(isForeignUrl('ws://example.org/socket', origin)).toBe(true);
    expect(isForeignUrl('http://127.0.0.1:4173/assets/a.js', origin)).toBe(false);
    expect(isForeignUrl('ws://127.0.0.1:4173/hmr', origin)).toBe(false);
    expect(isForeignUrl('/data/x.json', origin)).toBe(false);
    expect(isForeignUrl('blob:http://127.0.0.1:4173/abc', origin)).toBe(false);
    expect(isForeignUrl('data:image/png;base64,AA==', origin)).toBe(false);
    expect(leavesOrigin('https://hf.co/x', origin)).toBe(true);
    expect(leavesOrigin('assets/x.wasm', origin)).toBe(false);
    expect(leavesOrigin('blob:http://127.0.0.1:4173/abc', origin)).toBe(false);
    // Without an origin (Node), every http(s) URL leaves.
    expect(leavesOrigin('http://127.0.0.1:4173/x', null)).toBe(true);
  });

  it('offline mode is on when chosen, and whenever the page opens without network', () => {
    expect(initialOfflineMode(null, true)).toBe(false);
    expect(initialOfflineMode('off', true)).toBe(false);
    expect(initialOfflineMode('on', true)).toBe(true);
    expect(initialOfflineMode(null, false)).toBe(true);
    expect(initialOfflineMode('off', false)).toBe(true);
  });
});

describe('the engine’s network guard', () => {
  const origin = () => 'http://127.0.0.1:4173';
  function fakeFetch() {
    const calls: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      calls.push(String(input instanceof Request ? input.url : input));
      return new Response('ok');
    }) as typeof globalThis.fetch;
    return { calls, fetch };
  }

  it('counts foreign requests it sends; same-origin ones are not counted', async () => {
    const guard = createNetworkGuard(origin);
    const inner = fakeFetch();
    const fetch = guard.wrap(inner.fetch);
    await fetch('http://127.0.0.1:4173/assets/x.wasm');
    await fetch('https://huggingface.co/org/m/resolve/main/config.json');
    await fetch(new Request('https://huggingface.co/org/m/resolve/main/tokenizer.json'), { method: 'HEAD' });
    expect(inner.calls).toHaveLength(3);
    expect(guard.stats).toMatchObject({ sent: 2, blocked: 0, offline: false });
    expect(guard.stats.lastUrl).toContain('tokenizer.json');
  });

  it('offline: refuses foreign requests before they are made, and counts the attempts', async () => {
    const guard = createNetworkGuard(origin);
    const inner = fakeFetch();
    const fetch = guard.wrap(inner.fetch);
    guard.setOffline(true);
    await expect(fetch('https://huggingface.co/x')).rejects.toBeInstanceOf(OfflineRefusal);
    await expect(fetch('https://huggingface.co/x')).rejects.toThrow(/Offline mode/);
    await fetch('http://127.0.0.1:4173/data/dataset.json');
    expect(inner.calls).toEqual(['http://127.0.0.1:4173/data/dataset.json']);
    expect(guard.stats).toMatchObject({ sent: 0, blocked: 2, offline: true });
  });

  it('loading offline: foreign files read as missing (404) without a request', async () => {
    const guard = createNetworkGuard(origin);
    const inner = fakeFetch();
    const fetch = guard.offlineFetch(inner.fetch);
    const res = await fetch('https://huggingface.co/org/m/resolve/main/chat_template.jinja');
    expect(res.status).toBe(404);
    expect(await fetch('http://127.0.0.1:4173/assets/x.wasm').then((r) => r.status)).toBe(200);
    expect(inner.calls).toEqual(['http://127.0.0.1:4173/assets/x.wasm']);
    expect(guard.stats).toMatchObject({ sent: 0, blocked: 1 });
  });
});
