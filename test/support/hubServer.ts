// A local HTTP server that answers like the Hugging Face hub for the generated models:
// GET/HEAD /<org>/<model>/resolve/<revision>/<file>, with content-length and the CORS/CORP
// headers a cross-origin-isolated page needs. It counts requests so tests can prove caching.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

export interface HubServer {
  url: string;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

/** repos: "org/name" → folder on disk. Only revision "main" and those listed in `revisions` exist. */
export async function startHubServer(
  repos: Record<string, string>,
  revisions: string[] = ['main'],
): Promise<HubServer> {
  const requests: { method: string; path: string }[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? 'GET', path: url.pathname });
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'content-length');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(decodeURIComponent(url.pathname));
    const folder = m ? repos[m[1]!] : undefined;
    if (!m || !folder || !revisions.includes(m[2]!) || m[3]!.includes('..')) {
      res.writeHead(m && !folder ? 401 : 404).end();
      return;
    }
    const file = path.join(folder, m[3]!);
    try {
      const st = await stat(file);
      if (!st.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-length': String(st.size), 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('hub server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
