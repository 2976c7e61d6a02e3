// Downloads the MediConfusion images from their PubMed Central open-access packages:
//   npm run fetch-images [-- --out public/images] [--dry-run] [--concurrency 2]
// For each entry of public/data/mediconfusion/image_dict.json it fetches the article package
// (`dlink`, ftp:// rewritten to NCBI's https mirror of the same tree), pulls `file_name` out of
// the .tar.gz and saves it as `<out>/<local>.jpg` (the official downloader's layout). Files already
// present are skipped, so an interrupted download resumes; each package is tried 3 times with
// backoff, and the end lists every image that could not be fetched.
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

export interface ImageDictEntry {
  local: number | string;
  dlink: string;
  file_name: string;
}

/** `ftp://host/path` → `https://host/path`: NCBI serves its FTP tree over HTTPS at the same paths. */
export function ftpToHttps(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return parsed.href;
  if (parsed.protocol !== 'ftp:' && parsed.protocol !== 'http:') {
    throw new Error(`Unsupported download URL ${url}`);
  }
  return `https://${parsed.host}${parsed.pathname}${parsed.search}`;
}

// ---------------------------------------------------------------------------------------------
// A small tar reader (ustar, GNU long names, pax path headers): enough for PMC packages.

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, … ('\0' is normalised to '0'). */
  type: string;
  data: Uint8Array;
}

const BLOCK = 512;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function cString(block: Uint8Array, start: number, length: number, decoder = utf8): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return decoder.decode(end >= 0 ? slice.subarray(0, end) : slice);
}

function octal(block: Uint8Array, start: number, length: number): number {
  // GNU base-256 for sizes over 8 GiB: high bit of the first byte set.
  if (((block[start] as number) & 0x80) !== 0) {
    let value = (block[start] as number) & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (block[start + i] as number);
    return value;
  }
  const text = cString(block, start, length, latin1).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`Corrupt tar header: "${text}" is not an octal number`);
  return parseInt(text, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === octal(block, 148, 8);
}

/** pax extended header records: "<length> <key>=<value>\n". */
function paxRecords(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const length = parseInt(latin1.decode(data.subarray(pos, space)), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = utf8.decode(data.subarray(space + 1, pos + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

/** Entries of an uncompressed tar archive, in order. Throws on a corrupt or truncated archive. */
export function* readTar(archive: Uint8Array): Generator<TarEntry> {
  let pos = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  while (pos + BLOCK <= archive.length) {
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) return; // end-of-archive marker
    if (!checksumOk(header)) throw new Error(`Corrupt tar header at byte ${pos} (checksum mismatch)`);
    const size = octal(header, 124, 12);
    const typeByte = cString(header, 156, 1, latin1);
    const type = typeByte === '' ? '0' : typeByte;
    const magic = cString(header, 257, 6, latin1);
    const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
    const start = pos + BLOCK;
    const end = start + size;
    if (end > archive.length)
      throw new Error(`Truncated tar archive: entry at byte ${pos} runs past the end`);
    const data = archive.subarray(start, end);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecords(data).path ?? null;
      continue;
    }
    if (type === 'g') continue;
    const headerName = cString(header, 0, 100);
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${headerName}` : headerName);
    longName = null;
    paxPath = null;
    yield { name, type, data };
  }
}

/** The contents of the regular file whose base name is `fileName`, or null when absent. */
export async function extractFromTarGz(gz: Uint8Array, fileName: string): Promise<Uint8Array | null> {
  const tar = new Uint8Array(await gunzipAsync(gz));
  for (const entry of readTar(tar)) {
    if (entry.type === '0' && entry.name.split('/').pop() === fileName) return entry.data;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Downloading

export class PermanentError extends Error {}

export interface RetryOptions {
  fetch?: (url: string) => Promise<Response>;
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (attempt: number, error: Error) => void;
}

/** GETs a URL as bytes; network errors, 429 and 5xx are retried with doubling delays, 404 is not. */
export async function fetchWithRetry(url: string, opts: RetryOptions = {}): Promise<Uint8Array> {
  const doFetch = opts.fetch ?? ((u: string) => fetch(u));
  const attempts = opts.attempts ?? 3;
  const baseDelay = opts.baseDelayMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let lastError: Error = new Error('no attempt made');
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await doFetch(url);
      if (res.ok) return new Uint8Array(await res.arrayBuffer());
      const error = new Error(`HTTP ${res.status}`);
      if (res.status !== 429 && res.status < 500) throw new PermanentError(error.message);
      lastError = error;
    } catch (e) {
      if (e instanceof PermanentError) throw e;
      lastError = e instanceof Error ? e : new Error(String(e));
    }
    if (attempt < attempts) {
      opts.onRetry?.(attempt, lastError);
      await sleep(baseDelay * 2 ** (attempt - 1));
    }
  }
  throw lastError;
}

export interface PlannedImage {
  localId: string;
  fileName: string;
  target: string;
}

export interface DownloadPlan {
  /** Package URL (https) → the images to take from it. */
  packages: Map<string, PlannedImage[]>;
  /** Images already on disk. */
  present: PlannedImage[];
}

/** Groups the images still missing under `outDir` by package, so a shared package is fetched once. */
export function planDownloads(
  dict: Record<string, ImageDictEntry>,
  outDir: string,
  exists: (file: string) => boolean,
): DownloadPlan {
  const packages = new Map<string, PlannedImage[]>();
  const present: PlannedImage[] = [];
  for (const entry of Object.values(dict)) {
    const localId = String(entry.local);
    const image: PlannedImage = {
      localId,
      fileName: entry.file_name,
      target: path.join(outDir, `${localId}.jpg`),
    };
    if (exists(image.target)) {
      present.push(image);
      continue;
    }
    const url = ftpToHttps(entry.dlink);
    const list = packages.get(url) ?? [];
    list.push(image);
    packages.set(url, list);
  }
  return { packages, present };
}

const USAGE = `Usage: npm run fetch-images -- [options]
  --out <dir>           where to save <local>.jpg (default public/images)
  --dict <file>         image index (default public/data/mediconfusion/image_dict.json)
  --concurrency <n>     packages downloaded at once (default 2)
  --dry-run             list what would be downloaded, download nothing`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'public/images' },
      dict: { type: 'string', default: 'public/data/mediconfusion/image_dict.json' },
      concurrency: { type: 'string', default: '2' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const outDir = values.out!;
  const dict = JSON.parse(await readFile(values.dict!, 'utf8')) as Record<string, ImageDictEntry>;
  const plan = planDownloads(dict, outDir, (f) => existsSync(f) && statSync(f).size > 0);
  const wanted = [...plan.packages.values()].reduce((n, list) => n + list.length, 0);
  console.log(
    `${Object.keys(dict).length} images: ${plan.present.length} already in ${outDir}, ${wanted} to fetch ` +
      `from ${plan.packages.size} PMC packages.`,
  );
  if (values['dry-run']) {
    for (const [url, images] of plan.packages) {
      for (const image of images) console.log(`${url} → ${image.fileName} → ${image.target}`);
    }
    return;
  }
  if (plan.packages.size === 0) return;
  await mkdir(outDir, { recursive: true });

  const failures: { image: PlannedImage; url: string; reason: string }[] = [];
  const queue = [...plan.packages.entries()];
  const total = queue.length;
  let finished = 0;
  let saved = 0;
  const concurrency = Math.max(1, Number(values.concurrency) || 1);

  async function worker(): Promise<void> {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [url, images] = next;
      const name = url.split('/').pop();
      try {
        const gz = await fetchWithRetry(url, {
          onRetry: (attempt, e) => console.log(`  retry ${attempt} for ${name}: ${e.message}`),
        });
        for (const image of images) {
          const data = await extractFromTarGz(gz, image.fileName);
          if (!data) {
            failures.push({ image, url, reason: `${image.fileName} is not in the package` });
            continue;
          }
          // Write then rename, so an interrupted run never leaves a truncated image that counts as present.
          await writeFile(`${image.target}.part`, data);
          await rename(`${image.target}.part`, image.target);
          saved++;
        }
      } catch (e) {
        for (const image of images) failures.push({ image, url, reason: (e as Error).message });
      }
      finished++;
      console.log(`[${finished}/${total}] ${name}: ${images.map((i) => `${i.localId}.jpg`).join(', ')}`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, () => worker()));

  console.log(`\nSaved ${saved} images to ${outDir}; ${plan.present.length} were already there.`);
  if (failures.length > 0) {
    console.log(`Could not get ${failures.length} images:`);
    for (const f of failures) {
      console.log(`  ${f.image.localId} (${f.image.fileName}) from ${f.url}: ${f.reason}`);
    }
    console.log('Run the command again to retry them; images already saved are skipped.');
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
