import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config';
import { scrubError, scrubText } from './scrub';

/** Keys whose values are personal data or secrets: redacted should they ever appear in a log object. */
const REDACTED_PATHS = ['password', '*.password', 'email', '*.email', 'phone', '*.phone', 'name', '*.name', 'token', '*.token', 'authorization', '*.authorization', 'ip', '*.ip'];

/** Keys that carry errors: their values go through scrubError (class, code, scrubbed message, frames; nothing else). */
const ERROR_KEYS = ['err', 'error', 'cause'];

/**
 * The one logger factory of the server and the worker (SPEC 10: logs carry no
 * personal data). No IPs, bodies or tokens are logged; the paths above are
 * redacted should they appear; and every error, under whatever key, is
 * scrubbed by src/logging/scrub.ts before it is written. `destination` lets
 * tests read the lines (any writable stream).
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const serializers = Object.fromEntries(ERROR_KEYS.map((key) => [key, (value: unknown) => scrubError(value)]));
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers,
    formatters: {
      // An error under any other top-level key is scrubbed too (the error keys have their serializers, run after this).
      log(object) {
        let out = object;
        for (const [key, value] of Object.entries(object)) {
          if (value instanceof Error && !ERROR_KEYS.includes(key)) out = { ...out, [key]: scrubError(value) };
        }
        return out;
      },
    },
    hooks: {
      // pino takes the raw error message as the line's msg when none is given: give a fixed one instead.
      logMethod(args, method) {
        const [first, second] = args as unknown[];
        const carriesError = first instanceof Error || (!!first && typeof first === 'object' && ERROR_KEYS.some((key) => key in (first as object)));
        if (carriesError && typeof second !== 'string') return method.apply(this, [first as object, 'error']);
        return method.apply(this, args);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** What Apollo Server logs with (its Logger interface): the messages it writes itself, scrubbed like any error text. */
export function apolloLogger(log: Logger): Record<'debug' | 'info' | 'warn' | 'error', (message?: unknown) => void> {
  const line = (message: unknown) => scrubText(message instanceof Error ? `${message.name}: ${message.message}` : String(message));
  const apollo = log.child({ component: 'apollo' });
  return {
    debug: (message) => apollo.debug(line(message)),
    info: (message) => apollo.info(line(message)),
    warn: (message) => apollo.warn(line(message)),
    error: (message) => apollo.error(line(message)),
  };
}
