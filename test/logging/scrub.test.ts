import { UnrecoverableError } from 'bullmq';
import { GraphQLError } from 'graphql';
import { badInput } from '../../src/errors';
import { KnownFailure, safeErrorMessage, storableError } from '../../src/logging/safe-error';
import { scrubError, scrubText } from '../../src/logging/scrub';
import { RunPodError } from '../../src/modules/models/runpod-client';
import { captureLog } from '../setup/capture';

// The personal data a driver error can carry, as the tests of the jobs use it too.
const NAME = '홍길동';
const ADDRESS = '서울특별시 중구 세종대로 110';
const EMAIL = 'hong.gildong@example.com';
const PHONE = '010-1234-5678';
const MARKERS = [NAME, ADDRESS, '세종대로', EMAIL, 'gildong', PHONE, '1234-5678', '127.0.0.1', '0.0.1', '4770'];

function expectClean(text: string) {
  for (const marker of MARKERS) expect(text).not.toContain(marker);
}

/** What MikroORM throws for a failed statement: the statement with its literals, then PostgreSQL's detail. */
function driverError(): Error {
  const error = new Error(
    `update "datasets" set "preview" = '[{"text":"${NAME} ${ADDRESS} ${EMAIL}"}]', "record_count" = 42 where "id" = '348fe696-db3c-4cfe-bf87-bdb10c91ab16'`
    + ` - new row for relation "datasets" violates check constraint "datasets_preview_check"\n - detail: Failing row contains (${NAME}, ${PHONE}).`,
  );
  class CheckConstraintViolationException extends Error {}
  Object.setPrototypeOf(error, CheckConstraintViolationException.prototype);
  return Object.assign(error, {
    name: 'CheckConstraintViolationException', code: '23514', detail: `Failing row contains (${NAME}, ${PHONE}).`,
    where: `PL/pgSQL function check_it() line 3 at RAISE: ${EMAIL}`, parameters: [NAME, EMAIL], query: `insert ... '${NAME}'`, table: 'datasets',
  });
}

describe('scrubText', () => {
  it('given a MikroORM message, then literals, numbers in SQL, UUIDs and the appended detail are gone; identifiers stay', () => {
    const text = scrubText(driverError().message);
    expect(text).toBe(`update "datasets" set "preview" = '?', "record_count" = ? where "id" = '?' - new row for relation "datasets" violates check constraint "datasets_preview_check"`);
  });

  it('given values quoted by PostgreSQL or V8, then they are blanked even when they look like names', () => {
    expect(scrubText('invalid input syntax for type uuid: "kim"')).toBe('invalid input syntax for type uuid: "?"');
    expect(scrubText(`Unexpected token '홍', "${NAME} ${ADDRESS}"... is not valid JSON`)).toBe(`Unexpected token '?', "?"... is not valid JSON`);
    expect(scrubText(`unterminated 'quoted ${NAME}`)).toBe("unterminated '?'");
    expect(scrubText('relation "processors" does not exist')).toBe('relation "processors" does not exist');
  });

  it('given unquoted personal text, then Korean text and what the PII detector finds are replaced', () => {
    const text = scrubText(`cannot delete visit of ${NAME} (${ADDRESS}) ${EMAIL} ${PHONE}; connect ECONNREFUSED 127.0.0.1:4770`);
    expectClean(text.replace(':4770', ''));
    expect(text).toContain('[EMAIL]');
    expect(text).toContain('[PHONE]');
    expect(text).toContain('[text]');
  });
});

describe('scrubError', () => {
  it('given a driver error, then only class, code, scrubbed message and frames: detail, where, parameters and query are not copied', () => {
    const scrubbed = scrubError(driverError());
    expect(Object.keys(scrubbed).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(scrubbed).toMatchObject({ type: 'CheckConstraintViolationException', code: '23514' });
    expect(scrubbed.stack).toMatch(/^CheckConstraintViolationException: update "datasets"[^\n]*\n\s+at /);
    expectClean(JSON.stringify(scrubbed));
  });

  it('given a GraphQL error around one, then the wrapped error is described, with the path', () => {
    const wrapped = new GraphQLError(driverError().message, { path: ['user', 'email'], originalError: driverError() });
    const scrubbed = scrubError(wrapped);
    expect(scrubbed).toMatchObject({ type: 'CheckConstraintViolationException', code: '23514', path: ['user', 'email'] });
    expectClean(JSON.stringify(scrubbed));
  });

  it('given causes, aggregate errors and thrown non-errors, then each is scrubbed the same way', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4770'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4770 });
    const scrubbed = scrubError(new Error('outer', { cause: new AggregateError([refused], `for ${EMAIL}`) }));
    expect(scrubbed.cause).toMatchObject({ type: 'AggregateError', message: 'for [EMAIL]', errors: [{ type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED [IP]:4770' }] });
    expect(JSON.stringify(scrubbed)).not.toContain('127.0.0.1');
    expect(scrubError(`thrown ${EMAIL}`)).toEqual({ type: 'string', message: 'thrown [EMAIL]' });
  });
});

describe('createLogger', () => {
  const capture = () => captureLog('debug');

  it('given errors under err, error, another key, or as the only argument, then every line is scrubbed and none takes the raw message as msg', () => {
    const { log, lines } = capture();
    log.error({ err: driverError() }, 'request failed');
    log.warn({ error: driverError(), jobId: 'j1' }, 'job failed');
    log.warn({ failure: driverError() }, 'something else');
    log.error(driverError());
    log.error({ err: driverError() });
    log.child({ err: driverError() }).info('child');
    expect(lines).toHaveLength(6);
    for (const line of lines) expectClean(line);
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.map((p) => p.msg)).toEqual(['request failed', 'job failed', 'something else', 'error', 'error', 'child']);
    expect(parsed[0].err).toMatchObject({ type: 'CheckConstraintViolationException', code: '23514' });
    expect(parsed[1].error.type).toBe('CheckConstraintViolationException');
    expect(parsed[2].failure.type).toBe('CheckConstraintViolationException');
    expect(parsed[3].err.type).toBe('CheckConstraintViolationException');
  });

  it('given personal keys in a log object, then they are redacted', () => {
    const { log, lines } = capture();
    log.info({ email: EMAIL, user: { phone: PHONE, name: NAME }, ip: '127.0.0.1' }, 'keys');
    expectClean(lines[0]);
  });
});

describe('safeErrorMessage', () => {
  it('given our own errors, then their public text', () => {
    expect(safeErrorMessage(badInput('name must not be blank', 'name'))).toBe('name must not be blank');
    expect(safeErrorMessage(new KnownFailure('A dataset it was queued with is no longer READY', `Datasets no longer READY: ${NAME}`))).toBe('A dataset it was queued with is no longer READY');
    expect(safeErrorMessage(new RunPodError('RunPod run failed: HTTP 500', 500))).toBe('RunPod run failed: HTTP 500');
    const stop = new UnrecoverableError('RunPod run failed: HTTP 401 (the RunPod API key was refused)');
    stop.cause = new RunPodError('RunPod run failed: HTTP 401 (the RunPod API key was refused)', 401);
    expect(safeErrorMessage(stop)).toBe('RunPod run failed: HTTP 401 (the RunPod API key was refused)');
  });

  it('given services that cannot be reached, then what is down, never its host or port', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4770'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4770 });
    expect(safeErrorMessage(refused)).toBe('A service it depends on was unavailable; try again later');
    expect(safeErrorMessage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4770'), { code: 'ECONNREFUSED', $metadata: { attempts: 3 } }))).toBe('File storage is unavailable');
    const missing = Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    expect(safeErrorMessage(missing)).toBe('File storage refused the request (NoSuchKey)');
  });

  it('given anything else, then only its class', () => {
    expect(safeErrorMessage(driverError())).toBe('Internal error (CheckConstraintViolationException)');
    let parseError: unknown;
    try { JSON.parse(`${NAME} ${ADDRESS}`); } catch (error) { parseError = error; }
    expect(safeErrorMessage(parseError)).toBe('Internal error (SyntaxError)');
    expect(safeErrorMessage(`${EMAIL}`)).toBe('Internal error (string)');
    expect(safeErrorMessage(new GraphQLError('x', { originalError: driverError() }))).toBe('Internal error (CheckConstraintViolationException)');
  });

  it('given an error for BullMQ, then only the safe message and a stack without frames; unrecoverable stays unrecoverable', () => {
    const stored = storableError(driverError());
    expect(stored.message).toBe('Internal error (CheckConstraintViolationException)');
    expect(stored.stack).toBe('KnownFailure: Internal error (CheckConstraintViolationException)');
    expect(storableError(new UnrecoverableError('x')).name).toBe('UnrecoverableError');
    expect(safeErrorMessage(stored)).toBe(stored.message);
  });
});
