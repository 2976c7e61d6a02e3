// Downloads the 228 MediConfusion images from the PubMed Central Cloud Service:
//   npm run fetch-images [-- --out public/images] [--source <url>] [--dry-run] [--concurrency 4]
// Each entry of public/data/mediconfusion/image_dict.json names an article (`dlink`'s PMCID) and a
// figure (`file_name`); where that figure lives is src/core/images/imageSource.ts's business (the
// Cloud Service layout, in one place). Every image is saved as `<out>/<local>.jpg`, the official
// downloader's layout. Images already there (and still a valid image) are skipped, so an
// interrupted run resumes; each request is retried with backoff; every body is checked to be a
// JPEG or PNG of plausible size before it is saved (an HTML error page is reported, never saved);
// the end lists every image it could not get, with the pairs that use it.
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDatasetJson } from '../src/core/dataset.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_CONCURRENCY,
  describeItem,
  downloadImages,
  formatBytes,
  formatDuration,
  type DownloadItem,
  type DownloadProgress,
} from '../src/core/images/download.ts';
import {
  checkImageBytes,
  CLOUD_SERVICE_BASE_URL,
  imageRequests,
  LAYOUT_VERIFIED,
  mediaUrl,
  normaliseBaseUrl,
  pairIdsByImage,
  type ImageDictEntry,
} from '../src/core/images/imageSource.ts';

const USAGE = `Usage: npm run fetch-images -- [options]
  --out <dir>           where to save <local>.jpg (default public/images)
  --source <url>        image source base URL (default ${CLOUD_SERVICE_BASE_URL})
  --dict <file>         image index (default public/data/mediconfusion/image_dict.json)
  --dataset <file>      pairs, to name the pairs of missing images (default public/data/mediconfusion/dataset.json)
  --concurrency <n>     images downloaded at once (default ${DEFAULT_CONCURRENCY})
  --attempts <n>        tries per request on network errors, 429 and 5xx (default ${DEFAULT_ATTEMPTS})
  --retry-delay <ms>    first retry delay, doubled each time (default 1000)
  --dry-run             print the URL of every image, download nothing`;

/** Whether `file` already holds a valid image (a leftover error page or a truncated file does not). */
async function isSaved(file: string): Promise<boolean> {
  try {
    return checkImageBytes(new Uint8Array(await readFile(file))).ok;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'public/images' },
      source: { type: 'string', default: CLOUD_SERVICE_BASE_URL },
      dict: { type: 'string', default: 'public/data/mediconfusion/image_dict.json' },
      dataset: { type: 'string', default: 'public/data/mediconfusion/dataset.json' },
      concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
      attempts: { type: 'string', default: String(DEFAULT_ATTEMPTS) },
      'retry-delay': { type: 'string', default: '1000' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const outDir = values.out!;
  const source = normaliseBaseUrl(values.source!);
  const dict = JSON.parse(await readFile(values.dict!, 'utf8')) as Record<string, ImageDictEntry>;
  let pairsOf = new Map<string, string[]>();
  try {
    pairsOf = pairIdsByImage(parseDatasetJson(readFileSync(values.dataset!, 'utf8')).pairs);
  } catch (e) {
    console.warn(`(no pair ids in the report: ${(e as Error).message})`);
  }
  const items: DownloadItem[] = imageRequests(dict).map((r) => ({
    ...r,
    pairIds: pairsOf.get(r.localId) ?? [],
  }));
  const target = (item: DownloadItem) => path.join(outDir, `${item.localId}.jpg`);

  const present = new Set<string>();
  for (const item of items) if (await isSaved(target(item))) present.add(item.localId);
  const missing = items.filter((i) => !present.has(i.localId));
  const unverified = LAYOUT_VERIFIED ? '' : ' (layout unverified until run against the real service)';
  console.log(
    `${items.length} images from ${source}${unverified}: ${present.size} already in ${outDir}, ${missing.length} to fetch.`,
  );

  if (values['dry-run']) {
    for (const item of items) {
      const mark = present.has(item.localId) ? '  (present)' : '';
      console.log(`${mediaUrl(item, source)}  -> ${target(item)}${mark}`);
    }
    return;
  }
  if (missing.length === 0) return;
  await mkdir(outDir, { recursive: true });

  const tty = process.stdout.isTTY === true;
  const line = (p: DownloadProgress, name: string) =>
    `[${present.size + p.done}/${items.length}] ${formatBytes(p.bytes)}` +
    `${p.etaMs === null ? '' : `, ETA ${formatDuration(p.etaMs)}`}${p.failed ? `, ${p.failed} failed` : ''} — ${name}`;
  let lastName = '';

  const result = await downloadImages({
    items: missing,
    baseUrl: source,
    fetch: (url, init) => fetch(url, init),
    concurrency: Math.max(1, Number(values.concurrency) || DEFAULT_CONCURRENCY),
    attempts: Math.max(1, Number(values.attempts) || DEFAULT_ATTEMPTS),
    baseDelayMs: Math.max(0, Number(values['retry-delay']) || 0),
    // Write then rename, so an interrupted run never leaves a partial file that counts as saved.
    save: async (item, bytes) => {
      const file = target(item);
      await writeFile(`${file}.part`, bytes);
      await rename(`${file}.part`, file);
    },
    onRetry: (url, attempt, reason) => {
      if (tty) process.stdout.write('\n');
      console.log(`  retry ${attempt} for ${url}: ${reason}`);
    },
    onItem: (item) => {
      lastName = `${item.localId}.jpg`;
    },
    onProgress: (p) => {
      if (tty) process.stdout.write(`\r\x1b[K${line(p, lastName)}`);
      else console.log(line(p, lastName));
    },
  });
  if (tty) process.stdout.write('\n');

  if (result.stopped) {
    console.log(`\n${result.stopped.message}`);
    console.log(`Nothing more was fetched; ${result.saved} images saved in this run.`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `\nSaved ${result.saved} images (${formatBytes(result.bytes)}) to ${outDir}; ${present.size} were already there.`,
  );
  if (result.failures.length > 0) {
    console.log(`Could not get ${result.failures.length} images:`);
    for (const f of result.failures) console.log(`  ${describeItem(f.item)}: ${f.reason} at ${f.url}`);
    console.log(
      'Run the command again to retry them (images already saved are skipped), or import those images ' +
        'from a ROCO download in the Run tab.',
    );
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
