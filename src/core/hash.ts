// Deterministic content hashing: identifies a dataset, prompt template or run configuration
// independently of object key order, so stored results can be matched to what produced them.

const utf8 = new TextEncoder();

/**
 * Canonical JSON: object keys sorted, `undefined` members dropped (as JSON.stringify does),
 * typed arrays written as plain arrays. Throws on values JSON cannot represent faithfully.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON has no NaN/Infinity; JSON.stringify writes them as null, which would make
      // different values hash alike, so name them explicitly.
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(`__number:${String(value)}`);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
      }
      if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`stableHash: cannot hash a value of type ${typeof value}`);
  }
}

/** 64-bit FNV-1a over UTF-8 bytes, in two 32-bit halves so it stays fast without BigInt. */
export function fnv1a64(text: string): string {
  const bytes = utf8.encode(text);
  // offset basis 0xcbf29ce484222325
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ (bytes[i] as number)) >>> 0;
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40), all mod 2^64.
    const loProduct = lo * 0x1b3; // < 2^41, exact in a double
    const carry = Math.floor(loProduct / 0x100000000);
    const newLo = loProduct >>> 0;
    let newHi = (hi * 0x1b3 + carry) >>> 0;
    newHi = (newHi + (lo << 8)) >>> 0;
    hi = newHi;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Deterministic 16-hex-digit hash of any JSON-like value, independent of key order. */
export function stableHash(value: unknown): string {
  return fnv1a64(canonicalJson(value));
}
