// What the app ships, read as text: user text is only ever rendered as text (no HTML sink in the
// sources), and nothing is loaded from a third party (no CDN, web font or analytics).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

async function files(dir: string, exts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(full, exts)));
    else if (exts.some((e) => entry.name.endsWith(e))) out.push(full);
  }
  return out;
}

async function shipped(): Promise<{ file: string; text: string }[]> {
  const list = [
    ...(await files('src', ['.ts', '.tsx', '.css'])),
    ...(await files('workers', ['.ts'])),
    'index.html',
    'public/sw.js',
    'public/manifest.webmanifest',
  ];
  return Promise.all(list.map(async (file) => ({ file, text: await readFile(file, 'utf8') })));
}

describe('shipped sources', () => {
  it('have no HTML sink: dataset text, captions and model names are rendered as text', async () => {
    const sinks =
      /dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment|new DOMParser/;
    const found = (await shipped()).filter(({ text }) => sinks.test(text)).map(({ file }) => file);
    expect(found).toEqual([]);
  });

  it('load nothing from another host: no CDN, web font or analytics', async () => {
    const problems: string[] = [];
    for (const { file, text } of await shipped()) {
      if (/@import|url\(\s*['"]?(https?:)?\/\//.test(text) && file.endsWith('.css'))
        problems.push(`${file}: remote CSS`);
      if (/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i.test(text))
        problems.push(`${file}: remote tag`);
      if (
        /\b(googletagmanager|google-analytics|gtag|plausible|segment\.io|sentry|fonts\.googleapis|jsdelivr|unpkg|cdnjs)\b/i.test(
          text,
        )
      )
        problems.push(`${file}: third-party service`);
    }
    expect(problems).toEqual([]);
    // The page's own markup names no other host at all.
    expect(await readFile('index.html', 'utf8')).not.toMatch(/https?:\/\//);
  });
});
