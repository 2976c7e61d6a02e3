// `npm run fetch-images` end to end against a local server answering in the PMC Cloud Service's
// layout (test/support/imageSourceServer.ts), serving the generated JPEGs of all 228 images: it
// fetches them all while 10 % of requests fail once (retried); killed halfway, it resumes without
// fetching a finished image twice; an article answering 404 is reported by its pair ids; an HTML
// body served as an image is refused, never saved; a source where everything answers 404 stops
// early with one sentence.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkImageBytes,
  imageRequests,
  pairIdsByImage,
  type ImageDictEntry,
} from '../../src/core/images/imageSource.ts';
import { IMAGES_DIR, officialDataset } from '../support/fixtures.ts';
import { startImageSourceServer, type ImageSourceServer } from '../support/imageSourceServer.ts';

const dict = JSON.parse(readFileSync('public/data/mediconfusion/image_dict.json', 'utf8')) as Record<
  string,
  ImageDictEntry
>;
const requests = imageRequests(dict);
const pairsOf = pairIdsByImage(officialDataset().pairs);

let work = '';
let server: ImageSourceServer | null = null;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'fetch-images-'));
});
afterEach(async () => {
  await server?.close();
  server = null;
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Runs the CLI in one Node process; `killWhen` is polled and kills it (SIGKILL) once true. */
function fetchImages(args: string[], killWhen?: () => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'scripts/fetch-images.ts', '--retry-delay', '20', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    const timer = killWhen
      ? setInterval(() => {
          if (killWhen()) {
            clearInterval(timer);
            child.kill('SIGKILL');
          }
        }, 5)
      : undefined;
    child.on('exit', () => clearInterval(timer));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout }));
  });
}

async function savedIds(dir: string): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.jpg')).map((f) => f.slice(0, -4));
}

describe('npm run fetch-images', () => {
  it('prints 228 Cloud Service URLs and no package path with --dry-run, fetching nothing', async () => {
    const run = await fetchImages(['--dry-run', '--out', path.join(work, 'dry')]);
    expect(run.code).toBe(0);
    const urls = run.stdout.split('\n').filter((l) => l.startsWith('http'));
    expect(urls).toHaveLength(228);
    for (const u of urls)
      expect(u).toMatch(/^https:\/\/pmc-oa-opendata\.s3\.amazonaws\.com\/PMC\d+\.1\/\S+ /);
    expect(run.stdout).not.toMatch(/oa_package|tar\.gz/);
    expect(await savedIds(path.join(work, 'dry'))).toEqual([]);
  });

  it('fetches all 228 with 10 % of requests failing once; killed halfway, resumes without refetching', async () => {
    server = await startImageSourceServer({ imagesDir: IMAGES_DIR, dict, failOnceShare: 0.1, delayMs: 15 });
    const source = server;
    const out = path.join(work, 'all');
    const args = ['--source', server.url, '--out', out, '--concurrency', '4'];

    const first = await fetchImages(args, () => source.served().length >= 114);
    expect(first.signal).toBe('SIGKILL');
    const afterKill = new Set(await savedIds(out));
    expect(afterKill.size).toBeGreaterThanOrEqual(100);
    expect(afterKill.size).toBeLessThan(228);
    // No partial file counts as an image.
    for (const id of afterKill)
      expect(checkImageBytes(new Uint8Array(await readFile(path.join(out, `${id}.jpg`)))).ok).toBe(true);
    const servedBefore = server.served().length;

    const second = await fetchImages(args);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`${afterKill.size} already in`));
    expect(second.stdout).toMatch(/\[228\/228\] [\d.]+ (kB|MB)/);
    expect(second.stdout).toMatch(/ETA \d+:\d\d/);
    expect(second.stdout).toMatch(/retry 1 for .*: HTTP 503/);

    const servedAgain = server.served().slice(servedBefore);
    const fetchedTwice = requests
      .filter((r) => afterKill.has(r.localId))
      .filter((r) => servedAgain.includes(`/${r.pmcid}.1/${r.fileName}`));
    expect(fetchedTwice).toEqual([]);

    expect(server.failedOnce.size).toBeGreaterThan(10);
    const saved = await savedIds(out);
    expect(saved.sort()).toEqual(requests.map((r) => r.localId).sort());
    for (const r of requests) {
      const mine = await readFile(path.join(out, `${r.localId}.jpg`));
      expect(mine.equals(await readFile(path.join(IMAGES_DIR, `${r.localId}.jpg`))), r.localId).toBe(true);
    }
  });

  it('reports an article that answers 404 by its pair ids, and refuses an HTML body served as an image', async () => {
    const missing = requests[5]!;
    const html = requests[9]!;
    server = await startImageSourceServer({
      imagesDir: IMAGES_DIR,
      dict,
      missingArticles: [missing.pmcid],
      htmlImages: [html.localId],
    });
    const out = path.join(work, 'some');
    const run = await fetchImages(['--source', server.url, '--out', out]);
    expect(run.code).toBe(1);
    const missingIds = requests.filter((r) => r.pmcid === missing.pmcid).map((r) => r.localId);
    const saved = new Set(await savedIds(out));
    expect(saved.size).toBe(228 - missingIds.length - 1);
    expect(saved.has(html.localId)).toBe(false);
    expect(await readdir(out)).not.toContain(`${html.localId}.jpg.part`);

    expect(run.stdout).toMatch(new RegExp(`Could not get ${missingIds.length + 1} images`));
    const pairs = pairsOf.get(missing.localId)!;
    expect(pairs.length).toBeGreaterThan(0);
    expect(run.stdout).toContain(
      `${missing.localId}.jpg (${missing.pmcid} ${missing.fileName}; pair${pairs.length > 1 ? 's' : ''} ${pairs.join(', ')}): HTTP 404`,
    );
    expect(run.stdout).toMatch(
      new RegExp(`${html.localId}\\.jpg \\(.*\\): refused: the answer is an HTML or XML page`),
    );
  });

  it('stops early with one sentence when every request answers 404', async () => {
    server = await startImageSourceServer({ imagesDir: IMAGES_DIR, dict, allNotFound: true });
    const run = await fetchImages(['--source', server.url, '--out', path.join(work, 'none')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /The image source's layout has changed: the first \d+ images all answered 404/,
    );
    expect(run.stdout).not.toMatch(/Could not get/);
    expect(server.requests.length).toBeLessThan(40);
  });
});
