// The image source's layout (where an article's figure lives in the PMC Cloud Service), reading a
// metadata record, and the header check that refuses anything but a JPEG/PNG of plausible size.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  candidateUrls,
  checkImageBytes,
  CLOUD_SERVICE_BASE_URL,
  figureUrlFromMetadata,
  imageRequests,
  keyToUrl,
  mediaUrl,
  normaliseBaseUrl,
  pairIdsByImage,
  pmcidFromDlink,
  type ImageDictEntry,
} from '../../../../src/core/images/imageSource.ts';
import { jpegHeader } from './imageBytes.ts';

function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, width);
  v.setUint32(20, height);
  return b;
}

const dict = JSON.parse(readFileSync('public/data/mediconfusion/image_dict.json', 'utf8')) as Record<
  string,
  ImageDictEntry
>;

describe('the Cloud Service layout', () => {
  const image = { localId: '20192', pmcid: 'PMC3284869', fileName: '1752-1947-6-45-2.jpg' };

  it('puts the figure in the article version folder, then asks the version metadata', () => {
    expect(candidateUrls(image, CLOUD_SERVICE_BASE_URL)).toEqual([
      { kind: 'media', url: 'https://pmc-oa-opendata.s3.amazonaws.com/PMC3284869.1/1752-1947-6-45-2.jpg' },
      { kind: 'metadata', url: 'https://pmc-oa-opendata.s3.amazonaws.com/metadata/PMC3284869.1.json' },
    ]);
  });

  it('takes any base URL (a mirror, a test server), trailing slash or not', () => {
    expect(mediaUrl(image, 'http://127.0.0.1:9/mirror/')).toBe(
      'http://127.0.0.1:9/mirror/PMC3284869.1/1752-1947-6-45-2.jpg',
    );
    expect(normaliseBaseUrl('https://example.org/x/?a=1')).toBe('https://example.org/x');
    expect(() => normaliseBaseUrl('ftp://ftp.ncbi.nlm.nih.gov/pub')).toThrow(/not an http/);
    expect(() => normaliseBaseUrl('nonsense')).toThrow(/not a URL/);
  });

  it('covers all 228 images of image_dict.json, none through a legacy package path', () => {
    const requests = imageRequests(dict);
    expect(requests).toHaveLength(228);
    expect(pmcidFromDlink('ftp://ftp.ncbi.nlm.nih.gov/pub/pmc/oa_package/25/da/PMC3284869.tar.gz')).toBe(
      'PMC3284869',
    );
    for (const r of requests) {
      for (const c of candidateUrls(r, CLOUD_SERVICE_BASE_URL)) {
        expect(c.url).toMatch(/^https:\/\/pmc-oa-opendata\.s3\.amazonaws\.com\/(metadata\/)?PMC\d+\.1/);
        expect(c.url).not.toMatch(/oa_package|deprecated|tar\.gz/);
      }
    }
  });

  it('finds the figure in a metadata record, mapping s3:// keys onto the base URL in use', () => {
    const record = {
      pmcid: 'PMC3284869',
      version: 1,
      license_code: 'CC BY',
      xml_url: 's3://pmc-oa-opendata/PMC3284869.1/PMC3284869.1.xml?md5=ab',
      media_urls: [
        's3://pmc-oa-opendata/PMC3284869.1/1752-1947-6-45-1.jpg?md5=cd',
        's3://pmc-oa-opendata/PMC3284869.1/1752-1947-6-45-2.JPG?md5=ef',
      ],
    };
    expect(figureUrlFromMetadata(record, '1752-1947-6-45-2.jpg', 'http://127.0.0.1:9')).toBe(
      'http://127.0.0.1:9/PMC3284869.1/1752-1947-6-45-2.JPG',
    );
    expect(figureUrlFromMetadata(record, 'absent.jpg', CLOUD_SERVICE_BASE_URL)).toBeNull();
    expect(keyToUrl('https://pmc-oa-opendata.s3.amazonaws.com/PMC1.2/a.jpg', 'http://m')).toBe(
      'http://m/PMC1.2/a.jpg',
    );
    expect(keyToUrl('s3://other-bucket/PMC1.1/a.jpg', 'http://m')).toBeNull();
    expect(keyToUrl('CC BY', 'http://m')).toBeNull();
  });

  it('names the pairs of each image', () => {
    const pairs = pairIdsByImage([
      { id: '1', im1Local: 'a', im2Local: 'b' },
      { id: '2', im1Local: 'b', im2Local: 'b' },
    ]);
    expect(pairs.get('b')).toEqual(['1', '2']);
    expect(pairs.get('a')).toEqual(['1']);
  });
});

describe('is the body an image?', () => {
  it('accepts a JPEG or PNG of plausible size and reads its dimensions', () => {
    expect(checkImageBytes(jpegHeader(640, 480))).toEqual({
      ok: true,
      format: 'jpeg',
      width: 640,
      height: 480,
    });
    expect(checkImageBytes(pngHeader(300, 200))).toEqual({
      ok: true,
      format: 'png',
      width: 300,
      height: 200,
    });
  });

  it('refuses HTML error pages, JSON, empty bodies, truncated headers and tiny images', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(checkImageBytes(text('<!DOCTYPE html><html><body>Not found</body></html>'))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/HTML/),
    });
    expect(
      checkImageBytes(text('  <?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>')),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/HTML or XML/),
    });
    expect(checkImageBytes(text('{"error": 1}'))).toMatchObject({ reason: expect.stringMatching(/JSON/) });
    expect(checkImageBytes(new Uint8Array())).toEqual({ ok: false, reason: 'the body is empty' });
    expect(checkImageBytes(jpegHeader(640, 480).subarray(0, 12))).toMatchObject({
      reason: expect.stringMatching(/truncated or corrupt JPEG/),
    });
    expect(checkImageBytes(jpegHeader(16, 16))).toMatchObject({ reason: expect.stringMatching(/16×16/) });
    expect(checkImageBytes(new Uint8Array([1, 2, 3, 4, 5]))).toMatchObject({
      reason: expect.stringMatching(/not a JPEG or PNG .*01 02 03 04/),
    });
  });
});
