// scripts/fetch-images: the tar reader and .tar.gz extraction on archives built here with
// node:zlib, the ftp→https rewrite, download planning and the retry policy. No network.
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import {
  extractFromTarGz,
  fetchWithRetry,
  ftpToHttps,
  planDownloads,
  readTar,
  type ImageDictEntry,
} from '../../../scripts/fetch-images.ts';

const enc = new TextEncoder();

function writeString(block: Uint8Array, offset: number, length: number, text: string) {
  block.set(enc.encode(text).subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number) {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** One ustar header + padded data, with a correct checksum. */
function tarEntry(name: string, data: Uint8Array, type = '0', prefix = ''): Uint8Array {
  const header = new Uint8Array(512);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, data.length);
  writeOctal(header, 136, 12, 0);
  writeString(header, 156, 1, type);
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  writeString(header, 345, 155, prefix);
  header.fill(0x20, 148, 156);
  const sum = header.reduce((a, b) => a + b, 0);
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return concat([header, padded]);
}

function paxEntry(path: string): Uint8Array {
  const body = ` path=${path}\n`;
  // The length field counts itself: find the fixed point.
  let length = body.length + 2;
  while (`${length}${body}`.length !== length) length = `${length}${body}`.length;
  return tarEntry('PaxHeader', enc.encode(`${length}${body}`), 'x');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const longDir = `PMC3284869/${'deep/'.repeat(30)}`;

function sampleTar(): Uint8Array {
  return concat([
    tarEntry('PMC3284869/', new Uint8Array(0), '5'),
    tarEntry('PMC3284869/article.nxml', enc.encode('<article/>')),
    tarEntry('PMC3284869/1752-1947-6-45-2.jpg', jpeg),
    tarEntry('figure.png', new Uint8Array(700).fill(7), '0', 'PMC3284869/prefixed'),
    paxEntry(`${longDir}long-name.jpg`),
    tarEntry('ignored-short-name', new Uint8Array([9, 9])),
    new Uint8Array(1024),
  ]);
}

describe('readTar', () => {
  it('lists entries with names, types and exact contents (ustar prefix, pax path)', () => {
    const entries = [...readTar(sampleTar())];
    expect(entries.map((e) => [e.name, e.type, e.data.length])).toEqual([
      ['PMC3284869/', '5', 0],
      ['PMC3284869/article.nxml', '0', 10],
      ['PMC3284869/1752-1947-6-45-2.jpg', '0', jpeg.length],
      ['PMC3284869/prefixed/figure.png', '0', 700],
      [`${longDir}long-name.jpg`, '0', 2],
    ]);
    expect(Array.from(entries[2]!.data)).toEqual(Array.from(jpeg));
  });

  it('rejects a corrupt header and a truncated archive', () => {
    const corrupt = sampleTar();
    corrupt[0] = 'X'.charCodeAt(0);
    expect(() => [...readTar(corrupt)]).toThrow(/checksum/);
    const truncated = tarEntry('a.jpg', new Uint8Array(2000)).subarray(0, 1024);
    expect(() => [...readTar(truncated)]).toThrow(/Truncated/);
  });
});

describe('extractFromTarGz', () => {
  it('finds a file by its base name inside a gzipped package', async () => {
    const gz = gzipSync(sampleTar());
    const data = await extractFromTarGz(gz, '1752-1947-6-45-2.jpg');
    expect(data && Array.from(data)).toEqual(Array.from(jpeg));
    expect(await extractFromTarGz(gz, 'long-name.jpg')).not.toBeNull();
    expect(await extractFromTarGz(gz, 'missing.jpg')).toBeNull();
    // A directory of the same name is not a file.
    expect(await extractFromTarGz(gz, 'PMC3284869')).toBeNull();
  });
});

describe('ftpToHttps', () => {
  it('rewrites the scheme and keeps host and path', () => {
    expect(ftpToHttps('ftp://ftp.ncbi.nlm.nih.gov/pub/pmc/oa_package/25/da/PMC3284869.tar.gz')).toBe(
      'https://ftp.ncbi.nlm.nih.gov/pub/pmc/oa_package/25/da/PMC3284869.tar.gz',
    );
    expect(ftpToHttps('https://example.org/a.tar.gz')).toBe('https://example.org/a.tar.gz');
    expect(() => ftpToHttps('file:///etc/passwd')).toThrow(/Unsupported/);
  });
});

describe('planDownloads', () => {
  const dict: Record<string, ImageDictEntry> = {
    'train/radiology/images/ROCO_1.jpg': { local: 1, dlink: 'ftp://h/p/A.tar.gz', file_name: 'a1.jpg' },
    'train/radiology/images/ROCO_2.jpg': { local: 2, dlink: 'ftp://h/p/A.tar.gz', file_name: 'a2.jpg' },
    'train/radiology/images/ROCO_3.jpg': { local: 3, dlink: 'ftp://h/p/B.tar.gz', file_name: 'b.jpg' },
  };

  it('groups missing images by package and skips those present (resume)', () => {
    const plan = planDownloads(dict, 'out', (f) => f.endsWith('3.jpg'));
    expect(plan.present.map((p) => p.localId)).toEqual(['3']);
    expect([...plan.packages.keys()]).toEqual(['https://h/p/A.tar.gz']);
    expect(plan.packages.get('https://h/p/A.tar.gz')!.map((i) => [i.localId, i.fileName])).toEqual([
      ['1', 'a1.jpg'],
      ['2', 'a2.jpg'],
    ]);
    expect(plan.packages.get('https://h/p/A.tar.gz')![0]!.target).toMatch(/out[/\\]1\.jpg$/);
  });

  it('plans every image of the bundled index once', async () => {
    const { readFileSync } = await import('node:fs');
    const real = JSON.parse(
      readFileSync(new URL('../../../public/data/mediconfusion/image_dict.json', import.meta.url), 'utf8'),
    ) as Record<string, ImageDictEntry>;
    const plan = planDownloads(real, 'out', () => false);
    const planned = [...plan.packages.values()].flat();
    expect(planned).toHaveLength(228);
    expect(new Set(planned.map((p) => p.localId)).size).toBe(228);
    for (const url of plan.packages.keys())
      expect(url).toMatch(/^https:\/\/ftp\.ncbi\.nlm\.nih\.gov\/pub\/pmc\//);
  });
});

describe('fetchWithRetry', () => {
  const sleep = vi.fn(async () => {});

  it('retries network errors and 5xx with doubling delays, then succeeds', async () => {
    const responses = [
      () => Promise.reject(new TypeError('fetch failed')),
      () => Promise.resolve(new Response('busy', { status: 503 })),
      () => Promise.resolve(new Response(new Uint8Array([1, 2, 3]))),
    ];
    const fetch = vi.fn(() => responses.shift()!());
    sleep.mockClear();
    const data = await fetchWithRetry('https://x/a', { fetch, sleep, baseDelayMs: 100 });
    expect(Array.from(data)).toEqual([1, 2, 3]);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls.map((c) => (c as unknown[])[0])).toEqual([100, 200]);
  });

  it('does not retry a 404 and gives up after 3 attempts otherwise', async () => {
    const notFound = vi.fn(async () => new Response('no', { status: 404 }));
    await expect(fetchWithRetry('https://x/a', { fetch: notFound, sleep })).rejects.toThrow('HTTP 404');
    expect(notFound).toHaveBeenCalledTimes(1);
    const down = vi.fn(async () => new Response('down', { status: 500 }));
    await expect(fetchWithRetry('https://x/a', { fetch: down, sleep })).rejects.toThrow('HTTP 500');
    expect(down).toHaveBeenCalledTimes(3);
  });
});
