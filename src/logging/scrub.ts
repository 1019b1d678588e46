import { redactPii } from '../privacy/pii';

// SPEC 10: logs carry no personal data. Driver messages inline the bound
// values (MikroORM prefixes the statement with its literals and appends the
// PostgreSQL `detail`, which repeats the whole failing row), V8 quotes the
// source of a bad JSON.parse, and net errors name hosts. Everything that logs
// an error goes through scrubError, once, in the logger's serializers
// (src/logging/logger.ts): the server and the worker alike.

/** What of an error reaches the log: its class, code, scrubbed message and stack frames; every other field is dropped. */
export interface ScrubbedError {
  type: string;
  code?: string | number;
  message: string;
  stack?: string;
  /** The GraphQL path (field names and list indices) of a resolver error. */
  path?: (string | number)[];
  cause?: ScrubbedError;
  errors?: ScrubbedError[];
}

const MAX_INPUT = 4000;
const MAX_MESSAGE = 2000;
const MAX_FRAMES = 20;
const MAX_DEPTH = 3;

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
// MikroORM appends PostgreSQL's detail ("Failing row contains (...)", "Key (email)=(...)") and hint to the message.
const DRIVER_TAIL = /\n - (?:detail|hint): [\s\S]*$/;
// Literals, an unterminated one (a truncated message) running to the end.
const SINGLE_QUOTED = /'(?:[^']|'')*(?:'|$)/g;
const DOUBLE_QUOTED = /"(?:[^"\\]|\\.|"")*(?:"|$)/g;
const IDENTIFIER = /^"[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*"$/;
const LOOKS_LIKE_SQL = /\b(?:select|insert\s+into|update|delete\s+from)\b[\s\S]*\b(?:from|values|set|where|returning)\b/i;
const SQL_NUMBER = /(?<![\w$.?<-])-?\d+(?:\.\d+)?(?![\w$])/g;
// Korean text (names, addresses) never belongs in a log line: a run of Hangul words, with the numbers between and after them.
const HANGUL = /\p{Script=Hangul}(?:[\p{Script=Hangul}\d\s,.()-]*[\p{Script=Hangul}\d])?/gu;
const CLASS_NAME = /^[A-Za-z_$][\w$]{0,63}$/;
const CODE = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * Free text with what may be personal removed: SQL and JS literals ('?', "?"),
 * the driver's detail and hint, numbers inside SQL, UUIDs, Korean text, and
 * whatever src/privacy/pii.ts finds (e-mails, phones, RRNs, cards, accounts,
 * passports, IP addresses). Quoted identifiers (relation "users") are kept.
 */
export function scrubText(text: string, max = MAX_MESSAGE): string {
  // Whole values first (a phone or an IP must not be half-blanked by the number rule), then literals and numbers.
  let out = redactPii(text.slice(0, MAX_INPUT).replace(DRIVER_TAIL, '').replace(UUID, '<uuid>')).text.replace(HANGUL, '[text]');
  const sql = LOOKS_LIKE_SQL.test(out);
  out = out
    .replace(SINGLE_QUOTED, "'?'")
    .replace(DOUBLE_QUOTED, (quoted, offset: number, whole: string) => {
      // `type uuid: "x"`, `= "x"`: a value, even when it looks like a name.
      const before = whole.slice(Math.max(0, offset - 2), offset);
      return IDENTIFIER.test(quoted) && !/[:=]\s?$/.test(before) ? quoted : '"?"';
    });
  if (sql) out = out.replace(SQL_NUMBER, '?');
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** The error's class name (DriverException, SyntaxError, ...), never its text. */
export function errorClassName(error: unknown): string {
  if (error === null || error === undefined) return String(error);
  if (typeof error !== 'object') return typeof error;
  const ctor = (error as { constructor?: { name?: unknown } }).constructor?.name;
  const name = (error as { name?: unknown }).name;
  // pg's DatabaseError sets name 'error'; MikroORM's exceptions name themselves after their class.
  for (const candidate of [ctor, name]) {
    if (typeof candidate === 'string' && CLASS_NAME.test(candidate) && candidate !== 'Object' && candidate !== 'error') return candidate;
  }
  return 'Error';
}

type ErrorLike = {
  message?: unknown; code?: unknown; stack?: unknown; path?: unknown; cause?: unknown; errors?: unknown;
  originalError?: unknown; extensions?: { code?: unknown };
};

/**
 * An error (or anything thrown) as the log may show it. A GraphQL error is
 * described by the error it wraps, with its path. Driver fields (detail,
 * where, parameters, query, sql, bindings, hint, address, port, ...) are not
 * copied: only class, code, scrubbed message, stack frames, cause and the
 * errors of an AggregateError.
 */
export function scrubError(error: unknown, depth = 0): ScrubbedError {
  if (error === null || typeof error !== 'object') return { type: errorClassName(error), message: scrubText(String(error)) };
  const e = error as ErrorLike;
  const path = Array.isArray(e.path) ? e.path.filter((p): p is string | number => typeof p === 'number' || (typeof p === 'string' && p.length <= 100)) : undefined;
  if (e.originalError && typeof e.originalError === 'object' && depth < MAX_DEPTH) {
    const inner = scrubError(e.originalError, depth + 1);
    return path ? { ...inner, path } : inner;
  }
  const type = errorClassName(error);
  const out: ScrubbedError = { type, message: scrubText(typeof e.message === 'string' ? e.message : '') };
  const code = e.code ?? e.extensions?.code;
  if ((typeof code === 'string' && CODE.test(code)) || typeof code === 'number') out.code = code;
  if (typeof e.stack === 'string') {
    // The stack's first lines repeat the message: only the frames are kept.
    const frames = e.stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, MAX_FRAMES);
    if (frames.length) out.stack = [`${type}: ${out.message}`, ...frames].join('\n');
  }
  if (path) out.path = path;
  if (e.cause !== undefined && depth < MAX_DEPTH) out.cause = scrubError(e.cause, depth + 1);
  if (Array.isArray(e.errors) && depth < MAX_DEPTH) out.errors = e.errors.slice(0, 5).map((inner) => scrubError(inner, depth + 1));
  return out;
}
