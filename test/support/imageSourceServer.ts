// A local HTTP server that answers in the PMC Cloud Service's layout (src/core/images/imageSource.ts)
// for the 228 benchmark images: `/<PMCID>.1/<file_name>` serves the generated JPEG of that image,
// `/metadata/<PMCID>.1.json` the article version's metadata record (its files as s3:// URLs, as the
// bucket writes them). Failures on demand: some requests failing once (503), articles that answer
// 404, an HTML page served as an image, no CORS headers, slow answers. It logs every request.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  CLOUD_SERVICE_BUCKET,
  imageRequests,
  type ImageDictEntry,
} from '../../src/core/images/imageSource.ts';

export interface ImageSourceOptions {
  /** Folder of `<local>.jpg` files (the generated fixtures). */
  imagesDir: string;
  dict: Record<string, ImageDictEntry>;
  /** Share of paths whose first request answers 503 (chosen deterministically). */
  failOnceShare?: number;
  /** Articles (PMCIDs) that answer 404 everywhere. */
  missingArticles?: readonly string[];
  /** Local ids whose figure is answered with an HTML page (200, text/html). */
  htmlImages?: readonly string[];
  /** Every request answers 404 (a layout change). */
  allNotFound?: boolean;
  /** Send CORS headers (default true). */
  cors?: boolean;
  /** Delay before each answer, ms. */
  delayMs?: number;
}

export interface ImageSourceServer {
  url: string;
  requests: { path: string; status: number }[];
  /** Paths that answered 503 once. */
  failedOnce: Set<string>;
  /** Paths of the figure files served with 200, in order. */
  served(): string[];
  setOptions(patch: Partial<ImageSourceOptions>): void;
  close(): Promise<void>;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

export async function startImageSourceServer(initial: ImageSourceOptions): Promise<ImageSourceServer> {
  let opts = { cors: true, failOnceShare: 0, delayMs: 0, ...initial };
  const media = new Map<string, { localId: string; pmcid: string }>();
  const articles = new Map<string, string[]>();
  for (const r of imageRequests(opts.dict)) {
    media.set(`/${r.pmcid}.1/${r.fileName}`, { localId: r.localId, pmcid: r.pmcid });
    articles.set(r.pmcid, [...(articles.get(r.pmcid) ?? []), r.fileName]);
  }
  const requests: { path: string; status: number }[] = [];
  const failedOnce = new Set<string>();

  const server = http.createServer(async (req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const answer = (status: number, body: string | Uint8Array, type: string) => {
      requests.push({ path: p, status });
      res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (opts.cors) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    }
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const notFound = () =>
      answer(404, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>', 'application/xml');
    if (opts.allNotFound) return notFound();
    if (opts.failOnceShare > 0 && !failedOnce.has(p) && hash(p) < opts.failOnceShare) {
      failedOnce.add(p);
      return answer(503, 'Slow Down', 'text/plain');
    }
    const meta = /^\/metadata\/(PMC\d+)\.1\.json$/.exec(p);
    if (meta) {
      const pmcid = meta[1]!;
      const files = articles.get(pmcid);
      if (!files || opts.missingArticles?.includes(pmcid)) return notFound();
      const record = {
        pmcid,
        version: 1,
        license_code: 'CC BY',
        is_pmc_openaccess: true,
        xml_url: `s3://${CLOUD_SERVICE_BUCKET}/${pmcid}.1/${pmcid}.1.xml?md5=0`,
        media_urls: files.map((f) => `s3://${CLOUD_SERVICE_BUCKET}/${pmcid}.1/${f}?md5=0`),
      };
      return answer(200, JSON.stringify(record), 'application/json');
    }
    const image = media.get(p);
    if (!image || opts.missingArticles?.includes(image.pmcid)) return notFound();
    if (opts.htmlImages?.includes(image.localId)) {
      return answer(200, '<!DOCTYPE html><html><body>Service unavailable</body></html>', 'text/html');
    }
    try {
      const body = await readFile(path.join(opts.imagesDir, `${image.localId}.jpg`));
      return answer(200, body, 'image/jpeg');
    } catch {
      return notFound();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('image source server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    failedOnce,
    served: () => requests.filter((r) => r.status === 200 && media.has(r.path)).map((r) => r.path),
    setOptions: (patch) => {
      opts = { ...opts, ...patch };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
