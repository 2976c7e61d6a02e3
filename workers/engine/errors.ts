// Every error the engine raises, in one place. Inside the worker an error is an EngineError with a
// kind; it crosses the worker boundary as plain data ({kind, message}: EngineFailure), and the app
// maps the kind, never the text, to what the user reads (src/state/engineClient.ts).
import { StorageFullError } from '../../src/db/database.ts';

export type EngineErrorKind =
  | 'missing-files'
  | 'unsupported-architecture'
  | 'network'
  | 'webgpu-unavailable'
  | 'device-lost'
  | 'out-of-memory'
  | 'image'
  | 'cancelled'
  /** A case could not be stored: the browser's quota is used up (everything before it is kept). */
  | 'storage-full'
  | 'internal';

export const ENGINE_ERROR_KINDS: readonly EngineErrorKind[] = [
  'missing-files',
  'unsupported-architecture',
  'network',
  'webgpu-unavailable',
  'device-lost',
  'out-of-memory',
  'image',
  'cancelled',
  'storage-full',
  'internal',
];

export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** An error as it crosses the worker boundary. */
export interface EngineFailure {
  kind: EngineErrorKind;
  message: string;
}

export function isEngineFailure(e: unknown): e is EngineFailure {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { message?: unknown }).message === 'string' &&
    (ENGINE_ERROR_KINDS as readonly unknown[]).includes((e as { kind?: unknown }).kind)
  );
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
}

/** onnxruntime errors print every input tensor; keep the first line and name the kind. */
export function classifyError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (e instanceof StorageFullError) return new EngineError('storage-full', e.message);
  const msg = firstLine(e);
  const lower = String((e as Error)?.message ?? e).toLowerCase();
  if (lower.includes('device') && (lower.includes('lost') || lower.includes('destroyed'))) {
    return new EngineError('device-lost', `The GPU device was lost: ${msg}`);
  }
  if (
    lower.includes('out of memory') ||
    lower.includes('oom') ||
    lower.includes('allocation failed') ||
    lower.includes('bad_alloc')
  ) {
    return new EngineError('out-of-memory', `Out of memory: ${msg}`);
  }
  if (lower.includes('failed to fetch') || lower.includes('networkerror')) {
    return new EngineError('network', msg);
  }
  return new EngineError('internal', msg);
}

/** The plain-data form of any error, for the worker boundary. */
export function toEngineFailure(e: unknown): EngineFailure {
  const err = classifyError(e);
  return { kind: err.kind, message: err.message };
}
