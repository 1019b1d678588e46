import { AppError } from '../errors';
import { RunPodError } from '../modules/models/runpod-client';
import { errorClassName } from './scrub';

// SPEC 2 and 10: what a row (TrainingJob.error, PurgeRun.error) or a queue
// (BullMQ keeps each job's failedReason and stack in Redis) stores about a
// failure, and so what a user may read: never the raw message. The detail
// goes to the server log, scrubbed (src/logging/scrub.ts).

/**
 * A failure of a known kind: `publicMessage` is fixed text of ours (no value,
 * no host), safe to store and show; `message` (the public one by default) may
 * say more, for the log only, which scrubs it.
 */
export class KnownFailure extends Error {
  constructor(readonly publicMessage: string, message: string = publicMessage) {
    super(message);
    this.name = 'KnownFailure';
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED']);
const S3_ERROR_NAME = /^[A-Za-z]{1,64}$/;

const codeOf = (error: unknown): unknown => {
  const e = error as { code?: unknown; errors?: unknown[] };
  return e.code ?? (Array.isArray(e.errors) ? (e.errors[0] as { code?: unknown } | undefined)?.code : undefined);
};

/**
 * The message a failure may be stored and shown with: our own domain errors
 * keep their public text (AppError messages are what the API answers anyway;
 * RunPodError messages are built from the operation and HTTP status only),
 * known failure kinds a fixed text, and anything else (a driver error, a
 * SyntaxError, ...) only `Internal error (ClassName)`. Never a raw driver
 * message, a value, a host or a port.
 */
export function safeErrorMessage(error: unknown, depth = 0): string {
  const e = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (e instanceof KnownFailure) return e.publicMessage;
  if (e instanceof AppError) return e.message;
  if (e instanceof RunPodError) return e.message;
  if (e && typeof e === 'object') {
    const metadata = (e as { $metadata?: { httpStatusCode?: number } }).$metadata;
    // The AWS SDK's errors carry $metadata: a status means S3 answered (NoSuchKey, AccessDenied...), none that it could not be reached.
    if (metadata) {
      const name = (e as { name?: unknown }).name;
      return metadata.httpStatusCode && typeof name === 'string' && S3_ERROR_NAME.test(name) && name !== 'Error'
        ? `File storage refused the request (${name})`
        : 'File storage is unavailable';
    }
    const code = codeOf(e);
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'A service it depends on was unavailable; try again later';
    if ((e as { message?: unknown }).message === 'job stalled more than allowable limit') return 'The worker running it stopped too many times';
    // A wrapper (an UnrecoverableError around a RunPodError, ...) says what it wraps.
    const cause = (e as { cause?: unknown }).cause;
    if (cause !== undefined && depth < 3) {
      const inner = safeErrorMessage(cause, depth + 1);
      if (!inner.startsWith('Internal error (')) return inner;
    }
  }
  return `Internal error (${errorClassName(e)})`;
}

/**
 * What a job processor throws back to BullMQ, which stores failedReason and
 * the stack in Redis: the safe message, nothing else. An unrecoverable failure
 * stays unrecoverable (BullMQ goes by the name).
 */
export function storableError(error: unknown): KnownFailure {
  const safe = new KnownFailure(safeErrorMessage(error));
  if (errorClassName(error) === 'UnrecoverableError') safe.name = 'UnrecoverableError';
  safe.stack = `${safe.name}: ${safe.message}`;
  return safe;
}
