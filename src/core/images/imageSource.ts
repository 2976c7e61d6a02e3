// Where the figure file of a MediConfusion image lives in the PubMed Central (PMC) Cloud Service,
// in one place: the layout, the base URL, and the checks that a body is an image at all. Used by
// `npm run fetch-images` (scripts/fetch-images.ts) and the page (src/state/imageDownloadStore.ts);
// nothing else may know the layout.
//
// PMC's 2026 change. Until April 2026 each image came from its article's package
// `pub/pmc/oa_package/xx/yy/PMCnnnnnnn.tar.gz` (the `dlink` of image_dict.json). On 2026-04-13 PMC
// moved every legacy file under `deprecated/` and announced their removal for August 2026; article
// files (media included) are now served one file at a time, without packages, from the updated
// Cloud Service, the S3 bucket `pmc-oa-opendata` (world-readable over HTTPS, no account):
//   - https://pmc.ncbi.nlm.nih.gov/tools/cloud/ (the 2026-04-13 update)
//   - https://pmc.ncbi.nlm.nih.gov/tools/pmcaws/ ("Accessing PMC Article Datasets Using AWS")
//   - https://pmc-oa-opendata.s3.amazonaws.com/README.txt (the bucket's own README)
//   - https://www.nlm.nih.gov/pubs/techbull/jf26/jf26_Changes_to_PMC_ArtDsDistribServs_2026.html
//     (NLM Technical Bulletin 2026 Jan-Feb: "All article data files will be available
//     individually; there will be no compressed packages")
//
// The layout below: one folder per article version, `<PMCID>.<version>/`, holding that version's
// files under their original names (the figure is `<PMCID>.<version>/<file_name>`), and one
// metadata record per article version, `metadata/<PMCID>.<version>.json`, listing the version's
// files as `s3://pmc-oa-opendata/<key>` URLs (licence, status and checksums beside them). Most
// articles only have version 1. UNVERIFIED: the copies of the pages above that could be read while
// this was written predate the new structure or stop before its layout section, so the layout is
// taken from the project's notes (shared/notes/benchmark-images.md) and agrees with public code
// that reads the bucket (`PMCnnnn.1/<file>` keys, `metadata/PMCnnnn.1.json` records with
// `s3://…?md5=` URLs). It holds until a run against the real service says otherwise; a run whose
// every request answers 404 stops with "the image source's layout has changed" and points here.

/** The Cloud Service bucket over HTTPS (overridable: `--source`, `?images=`, the Run tab's field). */
export const CLOUD_SERVICE_BASE_URL = 'https://pmc-oa-opendata.s3.amazonaws.com';

/** The bucket's name as its metadata writes it in `s3://` URLs. */
export const CLOUD_SERVICE_BUCKET = 'pmc-oa-opendata';

/** The bucket's own description of its layout: where to look when the layout changes. */
export const CLOUD_SERVICE_README = `${CLOUD_SERVICE_BASE_URL}/README.txt`;

/** False until a run against the real service confirms the layout (README and page say so). */
export const LAYOUT_VERIFIED = false;

/**
 * The layout, declaratively: key templates relative to the base URL, tried in order for each
 * article version. `{pmcid}` is `PMCnnnnnnn`, `{version}` the article version, `{file}` the
 * figure's file name from image_dict.json.
 */
export const CLOUD_SERVICE_LAYOUT = {
  /** Article versions tried, in order (a later version keeps its own folder). */
  versions: [1] as readonly number[],
  /** The figure file itself: one request. */
  media: '{pmcid}.{version}/{file}',
  /** The version's metadata record, read when the figure is not where `media` says. */
  metadata: 'metadata/{pmcid}.{version}.json',
} as const;

/** One entry of image_dict.json (the official downloader's index). */
export interface ImageDictEntry {
  local: number | string;
  dlink: string;
  file_name: string;
}

/** One benchmark image to fetch: the local id it is saved as and the article figure it is. */
export interface ImageRequest {
  /** Saved as `<localId>.jpg`, the official downloader's name. */
  localId: string;
  /** `PMCnnnnnnn`, taken from `dlink`. */
  pmcid: string;
  /** The figure's file name inside the article. */
  fileName: string;
}

export type CandidateKind = 'media' | 'metadata';

export interface Candidate {
  kind: CandidateKind;
  url: string;
}

/** `https://host/path/` → `https://host/path`; throws on anything but an http(s) URL. */
export function normaliseBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new Error(`The image source "${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`The image source "${url}" is not an http(s) URL.`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.href.replace(/\/+$/, '');
}

/** The PMCID of an image_dict.json `dlink` (`…/PMC3284869.tar.gz` → `PMC3284869`). */
export function pmcidFromDlink(dlink: string): string {
  const m = /PMC\d+/i.exec(dlink);
  if (!m) throw new Error(`No PMCID in "${dlink}"`);
  return m[0].toUpperCase();
}

/** Every image of image_dict.json, in the file's order, once per local id. */
export function imageRequests(dict: Record<string, ImageDictEntry>): ImageRequest[] {
  const out: ImageRequest[] = [];
  const seen = new Set<string>();
  for (const entry of Object.values(dict)) {
    const localId = String(entry.local);
    if (seen.has(localId)) continue;
    seen.add(localId);
    out.push({ localId, pmcid: pmcidFromDlink(entry.dlink), fileName: entry.file_name });
  }
  return out;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** The URLs that may hold one image, in the order they are tried. */
export function candidateUrls(image: ImageRequest, baseUrl: string): Candidate[] {
  const base = normaliseBaseUrl(baseUrl);
  const out: Candidate[] = [];
  for (const version of CLOUD_SERVICE_LAYOUT.versions) {
    const values = { pmcid: image.pmcid, version: String(version), file: image.fileName };
    out.push({ kind: 'media', url: `${base}/${fill(CLOUD_SERVICE_LAYOUT.media, values)}` });
    out.push({ kind: 'metadata', url: `${base}/${fill(CLOUD_SERVICE_LAYOUT.metadata, values)}` });
  }
  return out;
}

/** The figure's own URL (what `--dry-run` prints): the first media candidate. */
export function mediaUrl(image: ImageRequest, baseUrl: string): string {
  return (candidateUrls(image, baseUrl).find((c) => c.kind === 'media') as Candidate).url;
}

/** A bucket key or URL from a metadata record, as a URL under `baseUrl` (so mirrors work). */
export function keyToUrl(value: string, baseUrl: string): string | null {
  const base = normaliseBaseUrl(baseUrl);
  const bare = value.split(/[?#]/)[0] as string;
  const s3 = `s3://${CLOUD_SERVICE_BUCKET}/`;
  if (bare.startsWith(s3)) return bare.length > s3.length ? `${base}/${bare.slice(s3.length)}` : null;
  const https = `${CLOUD_SERVICE_BASE_URL}/`;
  if (bare.startsWith(https))
    return bare.length > https.length ? `${base}/${bare.slice(https.length)}` : null;
  if (/^https?:\/\//.test(bare)) return bare;
  if (/^[\w.-]+\/[^\s]+$/.test(bare)) return `${base}/${bare}`;
  return null;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot > 0 ? name.slice(0, dot) : name).toLowerCase();
}

/**
 * The figure's URL as an article version's metadata record lists it: any URL or key in the record
 * whose file name is `fileName` (exactly, else the same name in another case or with another
 * image extension). Null when the record lists no such file.
 */
export function figureUrlFromMetadata(record: unknown, fileName: string, baseUrl: string): string | null {
  const files = strings(record)
    .map((s) => ({ url: keyToUrl(s, baseUrl), name: (s.split(/[?#]/)[0] as string).split('/').pop() ?? '' }))
    .filter((f): f is { url: string; name: string } => f.url !== null && f.name !== '');
  const exact = files.find((f) => f.name === fileName);
  if (exact) return exact.url;
  const similar = files.find((f) => stem(f.name) === stem(fileName) && /\.(jpe?g|png)$/i.test(f.name));
  return similar?.url ?? null;
}

// ---------------------------------------------------------------------------------------------
// Is this body an image?

/** Sides outside this range are not a benchmark figure (an icon, an error graphic, garbage). */
export const MIN_IMAGE_SIDE = 32;
export const MAX_IMAGE_SIDE = 30_000;

export type ImageCheck =
  { ok: true; format: 'jpeg' | 'png'; width: number; height: number } | { ok: false; reason: string };

function hex(bytes: Uint8Array, n = 4): string {
  return [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

function looksLikeText(bytes: Uint8Array): string | null {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 512)).trimStart();
  if (/^<(!doctype|html|\?xml|head|body|error)/i.test(head)) return 'an HTML or XML page';
  if (/^[{[]/.test(head)) return 'a JSON document';
  return null;
}

/** Width and height from a JPEG's first start-of-frame segment, or null when there is none. */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return null;
    const marker = b[pos + 1] as number;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / scan before any frame
    const length = ((b[pos + 2] as number) << 8) | (b[pos + 3] as number);
    if (length < 2) return null;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (pos + 9 > b.length) return null;
      const height = ((b[pos + 5] as number) << 8) | (b[pos + 6] as number);
      const width = ((b[pos + 7] as number) << 8) | (b[pos + 8] as number);
      return { width, height };
    }
    pos += 2 + length;
  }
  return null;
}

/**
 * Whether a response body is a JPEG or PNG of reasonable size, from its header alone (magic bytes,
 * then the frame or IHDR dimensions). HTML error pages, empty bodies and truncated headers fail
 * with a reason a person can read.
 */
export function checkImageBytes(bytes: Uint8Array): ImageCheck {
  if (bytes.length === 0) return { ok: false, reason: 'the body is empty' };
  let size: { width: number; height: number } | null = null;
  let format: 'jpeg' | 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    format = 'jpeg';
    size = jpegSize(bytes);
    if (!size)
      return { ok: false, reason: `a truncated or corrupt JPEG (${bytes.length} bytes, no frame header)` };
  } else if (
    bytes.length >= 8 &&
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => bytes[i] === v)
  ) {
    format = 'png';
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
      return { ok: false, reason: `a truncated or corrupt PNG (${bytes.length} bytes)` };
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    size = { width: view.getUint32(16), height: view.getUint32(20) };
  } else {
    const text = looksLikeText(bytes);
    return {
      ok: false,
      reason: text
        ? `${text}, not an image (${bytes.length} bytes)`
        : `not a JPEG or PNG (${bytes.length} bytes starting ${hex(bytes)})`,
    };
  }
  const { width, height } = size;
  if (
    width < MIN_IMAGE_SIDE ||
    height < MIN_IMAGE_SIDE ||
    width > MAX_IMAGE_SIDE ||
    height > MAX_IMAGE_SIDE
  ) {
    return {
      ok: false,
      reason: `a ${width}×${height} ${format.toUpperCase()}, not a reasonable figure size`,
    };
  }
  return { ok: true, format, width, height };
}

/** Which pairs use each image (for reports: "20192.jpg, pairs 12, 40"). */
export function pairIdsByImage(
  pairs: readonly { id: string; im1Local: string; im2Local: string }[],
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of pairs) {
    for (const id of new Set([p.im1Local, p.im2Local])) {
      const list = out.get(id) ?? [];
      list.push(p.id);
      out.set(id, list);
    }
  }
  return out;
}
