// Streaming parsers for uploaded training files (SPEC section 5). Node built-ins only.
//
// Semantics worth knowing (the tests in test/datasets/dataset-parsers.test.ts pin them):
// - Every format is decoded with a fatal streaming UTF-8 decoder. Invalid bytes, even split
//   across chunks, or a truncated sequence at the end, add a fatal issue on the line where
//   they occur and stop the parse. Records yielded before that point have been yielded: a
//   caller must check `summary.malformed` once the generator is done.
// - A leading BOM is dropped; lines end in \n or \r\n (a lone \r is not a line break).
// - Values are trimmed; an empty or whitespace-only value is never a record.
// - `issueCount` counts every issue; `issues` keeps the first MAX_REPORTED_ISSUES, except
//   that a fatal issue arriving after the cap replaces the last kept one, so the reason a
//   file is malformed is always reported. Issue messages never quote file content.
// - CSV (RFC 4180): the first non-blank row is the header, matched case-insensitively and
//   trimmed: question/질문 with answer/답변 (QA), and/or text/내용/본문. A header with neither
//   a QA pair of columns nor a text column is fatal, as is a quote left open at the end. Blank
//   lines and rows whose fields are all empty are skipped silently; other rows lacking
//   values are non-fatal issues. Lines are those where a row starts. A quote opens a quoted
//   field only at the start of a field (after optional spaces); elsewhere it is literal.
// - JSON: streamed element by element; the top level must be an array. Each element is
//   JSON.parse'd on its own, so memory holds one element, and issue lines are the exact
//   line where the element starts. Any syntax error is fatal, on the line of the error
//   when V8 reports a position, else on the line where the element starts.
// - JSONL: one value a line, blank lines skipped. A line that is not valid JSON, or not an
//   object, is a non-fatal issue; but when more than half of the non-blank lines are not
//   valid JSON the file is not JSONL at all: a fatal issue (line null) is added at the end.
// - Objects (JSON and JSONL): {question, answer} (also 질문/답변) is a QA pair; both must be
//   non-empty strings (numbers are accepted as text) or the object is a non-fatal issue.
//   {messages: [{role, content}]}: a user turn directly followed by an assistant turn is a
//   QA pair; system turns and unpaired user/assistant turns are text records; a turn with
//   an unknown role or empty content is an issue and breaks pairing. content may also be an
//   array of {type: 'text', text} parts. {text} (also 내용/본문) is a text record. Anything
//   else is a non-fatal issue. All records of one object carry the object's line.
// - TXT / MD: a line starting with Q:, A:, 질문:, 답변: (also "Q." / "A." followed by a space,
//   a full-width colon, an optional number such as Q1:, and **bold** markers) starts a
//   question or an answer; following non-blank lines continue it. A blank line ends an
//   answer or a paragraph; a question still waiting for its answer may get it after blank
//   lines. A question with no answer and an answer with no question are non-fatal issues
//   (skipped). Other blocks separated by blank lines become text records (lines joined with
//   \n). Markers are case-sensitive (Q, not q) so "a. item" lists stay text.
//   MD only: heading markers (# ...) are stripped (the heading text stays text, and "## Q:"
//   is a marker), "- Q:" list items are markers, and fenced code blocks (``` or ~~~) are
//   kept verbatim, blank lines included, with no marker detection inside.

export type DatasetFormat = 'CSV' | 'JSON' | 'JSONL' | 'TXT' | 'MD';

/** A QA pair has question and answer; a text record has text. line is 1-based. */
export interface DatasetRecord {
  question?: string;
  answer?: string;
  text?: string;
  line: number;
}

/** fatal: the file is malformed and parsing stopped; otherwise one row or object was skipped. */
export interface ParseIssue {
  line: number | null;
  message: string;
  fatal: boolean;
}

export interface ParseSummary {
  records: number;
  qaPairs: number;
  issues: ParseIssue[];
  issueCount: number;
  malformed: boolean;
}

export const MAX_REPORTED_ISSUES = 100;

type Chunk = Buffer | Uint8Array | string;

export function emptySummary(): ParseSummary {
  return { records: 0, qaPairs: 0, issues: [], issueCount: 0, malformed: false };
}

/**
 * Streams: consumes the byte stream chunk by chunk, never holding the whole file (a JSON
 * file holds one array element at a time), and yields records in order. Counts records,
 * QA pairs and issues into `summary`; check `summary.malformed` when the generator ends.
 */
export async function* parseDataset(
  format: DatasetFormat,
  source: AsyncIterable<Chunk>,
  summary: ParseSummary,
): AsyncGenerator<DatasetRecord> {
  for await (const batch of parseDatasetBatches(format, source, summary)) yield* batch;
}

/**
 * parseDataset in the batches each input chunk gives (never empty): the stages hand on one
 * array per chunk, not one promise per line and record, which with async hooks enabled
 * (MikroORM's AsyncLocalStorage) cost the worker more than the regexes of redaction.
 */
export async function* parseDatasetBatches(
  format: DatasetFormat,
  source: AsyncIterable<Chunk>,
  summary: ParseSummary,
): AsyncGenerator<DatasetRecord[]> {
  let records: AsyncGenerator<DatasetRecord[]>;
  switch (format) {
    case 'CSV': records = parseCsv(readLines(decodeUtf8(source, summary), summary), summary); break;
    case 'JSON': records = parseJson(decodeUtf8(source, summary), summary); break;
    case 'JSONL': records = parseJsonl(readLines(decodeUtf8(source, summary), summary), summary); break;
    case 'TXT': records = parseText(readLines(decodeUtf8(source, summary), summary), summary, false); break;
    case 'MD': records = parseText(readLines(decodeUtf8(source, summary), summary), summary, true); break;
    default:
      addIssue(summary, null, `Unsupported format ${String(format)}`, true);
      return;
  }
  for await (const batch of records) {
    summary.records += batch.length;
    for (const record of batch) if (record.question !== undefined) summary.qaPairs += 1;
    yield batch;
  }
}

function addIssue(summary: ParseSummary, line: number | null, message: string, fatal = false): void {
  summary.issueCount += 1;
  const issue: ParseIssue = { line, message, fatal };
  if (summary.issues.length < MAX_REPORTED_ISSUES) summary.issues.push(issue);
  else if (fatal) summary.issues[MAX_REPORTED_ISSUES - 1] = issue;
  if (fatal) summary.malformed = true;
}

// ---------------------------------------------------------------------------
// Decoding and lines

async function* decodeUtf8(source: AsyncIterable<Chunk>, summary: ParseSummary): AsyncGenerator<string> {
  // ignoreBOM false (the default): the decoder itself drops a leading BOM.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let newlines = 0;
  let started = false;
  // The bytes of an incomplete character the decoder holds between chunks (at most 3).
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of source) {
    let text: string;
    if (typeof chunk === 'string') {
      text = !started && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
      if (chunk.length > 0) started = true;
    } else {
      if (chunk.length === 0) continue;
      const first = !started;
      started = true;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        // Hand on the valid text before the bad byte, so that where a chunk boundary falls
        // does not change which records come out, then stop.
        const bytes = concatBytes(carry, chunk);
        const invalid = firstInvalidByte(bytes);
        let valid = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, invalid), { stream: true });
        if (first && valid.charCodeAt(0) === 0xfeff) valid = valid.slice(1);
        if (valid.length > 0) yield valid;
        addIssue(summary, 1 + newlines + countNewlineBytes(bytes, invalid), 'The file is not valid UTF-8', true);
        return;
      }
      const end = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : concatBytes(carry, chunk);
      carry = incompleteSuffix(end);
    }
    if (text.length === 0) continue;
    newlines += countChar(text, '\n');
    yield text;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    addIssue(summary, 1 + newlines, 'The file is not valid UTF-8 (it ends inside a character)', true);
    return;
  }
  if (rest.length > 0) yield rest;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The trailing bytes of an unfinished multi-byte character, given at least the last 3 bytes read. */
function incompleteSuffix(end: Uint8Array): Uint8Array {
  for (let i = end.length - 1; i >= Math.max(0, end.length - 3); i -= 1) {
    const byte = end[i];
    if (byte < 0x80) break;
    if (byte >= 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return end.length - i < needed ? end.slice(i) : new Uint8Array(0);
    }
  }
  return new Uint8Array(0);
}

/**
 * Index of the byte at which a fresh fatal decoder fails (the decoder reports no position).
 * Failing is monotonic in the prefix length, so a binary search finds the shortest failing
 * prefix; stream mode lets a prefix end inside a character without failing.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const fails = (length: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let low = 1;
  let high = bytes.length;
  if (!fails(high)) return bytes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (fails(mid)) high = mid;
    else low = mid + 1;
  }
  return low - 1;
}

function countNewlineBytes(bytes: Uint8Array, end: number): number {
  let count = 0;
  for (let i = 0; i < end; i += 1) if (bytes[i] === 0x0a) count += 1;
  return count;
}

function countChar(text: string, char: string, end = text.length): number {
  let count = 0;
  let at = text.indexOf(char);
  while (at !== -1 && at < end) {
    count += 1;
    at = text.indexOf(char, at + 1);
  }
  return count;
}

interface Line {
  text: string;
  line: number;
}

/** The lines each chunk completes, as one array (never empty). */
async function* readLines(chunks: AsyncIterable<string>, summary: ParseSummary): AsyncGenerator<Line[]> {
  let buffer = '';
  let line = 1;
  for await (const chunk of chunks) {
    buffer += chunk;
    const lines: Line[] = [];
    let start = 0;
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      lines.push({ text: buffer.slice(start, end), line });
      line += 1;
      start = newline + 1;
      newline = buffer.indexOf('\n', start);
    }
    buffer = buffer.slice(start);
    if (lines.length > 0) yield lines;
  }
  // After a fatal decoding error the unfinished line is cut: it is not a line.
  if (summary.malformed || buffer.length === 0) return;
  yield [{ text: buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer, line }];
}

// ---------------------------------------------------------------------------
// CSV

interface CsvColumns {
  question: number;
  answer: number;
  text: number;
}

const QUESTION_NAMES = ['question', '질문'];
const ANSWER_NAMES = ['answer', '답변'];
const TEXT_NAMES = ['text', '내용', '본문'];

async function* parseCsv(batches: AsyncIterable<Line[]>, summary: ParseSummary): AsyncGenerator<DatasetRecord[]> {
  let columns: CsvColumns | null = null;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let inRow = false;
  let rowLine = 0;

  for await (const lines of batches) {
    const out: DatasetRecord[] = [];
    for (const { text, line } of lines) {
      if (!inRow) {
        if (text.trim() === '') continue;
        inRow = true;
        rowLine = line;
        fields = [];
        field = '';
      } else {
        field += '\n'; // a quoted field spanning lines
      }
      let segment = 0;
      for (let i = 0; i < text.length; i += 1) {
        const c = text.charCodeAt(i);
        if (inQuotes) {
          if (c !== 34) continue;
          field += text.slice(segment, i);
          if (text.charCodeAt(i + 1) === 34) {
            field += '"';
            i += 1;
          } else {
            inQuotes = false;
          }
          segment = i + 1;
        } else if (c === 44) {
          fields.push(field + text.slice(segment, i));
          field = '';
          segment = i + 1;
        } else if (c === 34) {
          const before = field + text.slice(segment, i);
          if (before.trim() === '') {
            field = '';
            inQuotes = true;
            segment = i + 1;
          }
        }
      }
      field += text.slice(segment);
      if (inQuotes) continue;
      fields.push(field);
      inRow = false;

      if (!columns) {
        columns = csvColumns(fields);
        if (!columns) {
          addIssue(summary, rowLine, 'The CSV header needs question and answer columns (or 질문 and 답변), or a text column (text, 내용 or 본문)', true);
          return; // the header is the first row: no record before it
        }
        continue;
      }
      const record = csvRecord(fields, columns, rowLine, summary);
      if (record) out.push(record);
    }
    if (out.length > 0) yield out;
  }
  if (summary.malformed) return;
  if (inRow) {
    addIssue(summary, rowLine, 'A quoted field is never closed', true);
    return;
  }
  if (!columns) addIssue(summary, null, 'The CSV file has no header row', true);
}

function csvColumns(header: string[]): CsvColumns | null {
  const names = header.map((name) => name.trim().toLowerCase());
  const find = (candidates: string[]) => names.findIndex((name) => candidates.includes(name));
  const columns = { question: find(QUESTION_NAMES), answer: find(ANSWER_NAMES), text: find(TEXT_NAMES) };
  const qa = columns.question !== -1 && columns.answer !== -1;
  if (!qa) {
    columns.question = -1;
    columns.answer = -1;
  }
  return qa || columns.text !== -1 ? columns : null;
}

function csvRecord(fields: string[], columns: CsvColumns, line: number, summary: ParseSummary): DatasetRecord | null {
  const value = (index: number) => (index === -1 ? '' : (fields[index] ?? '').trim());
  const question = value(columns.question);
  const answer = value(columns.answer);
  const text = value(columns.text);
  if (question && answer) return { question, answer, line };
  if (!question && !answer && text) return { text, line };
  if (fields.every((f) => f.trim() === '')) return null;
  if (question) addIssue(summary, line, 'The row has a question but no answer');
  else if (answer) addIssue(summary, line, 'The row has an answer but no question');
  else addIssue(summary, line, columns.text === -1 ? 'The row has no question or answer' : 'The row has no question, answer or text');
  return null;
}

// ---------------------------------------------------------------------------
// JSON objects (shared by JSON and JSONL)

const ROLES = new Set(['user', 'assistant', 'system']);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) {
    // Chat content given as parts: [{type: 'text', text}]
    return value
      .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text.trim() : ''))
      .filter((part) => part !== '')
      .join('\n');
  }
  return '';
}

function firstKey(object: Record<string, unknown>, keys: string[]): string | undefined {
  return keys.find((key) => Object.prototype.hasOwnProperty.call(object, key));
}

function* recordsFromValue(value: unknown, line: number, summary: ParseSummary): Generator<DatasetRecord> {
  if (!isObject(value)) {
    addIssue(summary, line, 'Expected an object: {question, answer}, {messages} or {text}');
    return;
  }
  if (Object.prototype.hasOwnProperty.call(value, 'messages')) {
    yield* recordsFromMessages(value.messages, line, summary);
    return;
  }
  const questionKey = firstKey(value, QUESTION_NAMES);
  const answerKey = firstKey(value, ANSWER_NAMES);
  if (questionKey !== undefined || answerKey !== undefined) {
    const question = questionKey === undefined ? '' : textOf(value[questionKey]);
    const answer = answerKey === undefined ? '' : textOf(value[answerKey]);
    if (question && answer) yield { question, answer, line };
    else if (question) addIssue(summary, line, 'The object has a question but no answer');
    else if (answer) addIssue(summary, line, 'The object has an answer but no question');
    else addIssue(summary, line, 'The object has an empty question and answer');
    return;
  }
  const textKey = firstKey(value, TEXT_NAMES);
  if (textKey !== undefined) {
    const text = textOf(value[textKey]);
    if (text) yield { text, line };
    else addIssue(summary, line, 'The object has an empty text');
    return;
  }
  addIssue(summary, line, 'Unknown object shape: expected {question, answer}, {messages} or {text}');
}

function* recordsFromMessages(messages: unknown, line: number, summary: ParseSummary): Generator<DatasetRecord> {
  if (!Array.isArray(messages) || messages.length === 0) {
    addIssue(summary, line, 'messages must be a non-empty array of {role, content}');
    return;
  }
  let pending: string | null = null;
  for (let i = 0; i < messages.length; i += 1) {
    const message: unknown = messages[i];
    const role = isObject(message) && typeof message.role === 'string' ? message.role.toLowerCase() : '';
    const content = isObject(message) ? textOf(message.content) : '';
    const problem = !ROLES.has(role)
      ? `messages[${i}] needs a role of user, assistant or system`
      : !content ? `messages[${i}] has no content` : null;
    if (problem !== null || role !== 'assistant' || pending === null) {
      if (pending !== null) yield { text: pending, line };
      pending = null;
    }
    if (problem !== null) {
      addIssue(summary, line, problem);
    } else if (role === 'user') {
      pending = content;
    } else if (role === 'assistant' && pending !== null) {
      yield { question: pending, answer: content, line };
      pending = null;
    } else {
      yield { text: content, line };
    }
  }
  if (pending !== null) yield { text: pending, line };
}

/** V8's message without the quoted source (it may hold personal data), and the error offset if given. */
function describeJsonError(error: unknown): { message: string; position: number | null } {
  const raw = error instanceof Error ? error.message : String(error);
  const match = /\s+in JSON at position (\d+)/.exec(raw);
  const message = raw
    .replace(/\s+in JSON at position \d+.*$/s, '')
    .replace(/,\s*(?:\.\.\.)?".*is not valid JSON$/s, '');
  return { message, position: match ? Number(match[1]) : null };
}

// ---------------------------------------------------------------------------
// JSON: a streamed array, one element parsed at a time

async function* parseJson(chunks: AsyncIterable<string>, summary: ParseSummary): AsyncGenerator<DatasetRecord[]> {
  type State = 'start' | 'firstElement' | 'element' | 'inElement' | 'end';
  let state: State = 'start';
  let line = 1;
  let elementLine = 0;
  let parts: string[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;

  const fatal = (at: number, message: string) => addIssue(summary, at, message, true);
  /** Parses one element into `out`; false when the parse must stop. */
  const finish = (text: string, out: DatasetRecord[]): boolean => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const { message, position } = describeJsonError(error);
      const at = position === null ? elementLine : elementLine + countChar(text, '\n', position);
      fatal(at, `JSON syntax error: ${message}`);
      return false;
    }
    for (const record of recordsFromValue(value, elementLine, summary)) out.push(record);
    return true;
  };

  for await (const chunk of chunks) {
    const out: DatasetRecord[] = [];
    const stop = () => (out.length > 0 ? [out] : []);
    let segment = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk.charCodeAt(i);
      if (state === 'inElement') {
        if (c === 10) line += 1;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth += 1;
        else if ((c === 125 || c === 93) && depth > 0) depth -= 1;
        else if (depth === 0 && (c === 44 || c === 93 || c === 125)) {
          // At depth 0: ',' or ']' ends the element; a stray '}' ends it too, and JSON.parse reports it.
          const included = c === 125 ? 1 : 0;
          parts.push(chunk.slice(segment, i + included));
          const text = parts.join('');
          parts = [];
          if (!finish(text, out)) {
            yield* stop();
            return;
          }
          if (included) {
            fatal(line, 'JSON syntax error: unexpected }');
            yield* stop();
            return;
          }
          state = c === 44 ? 'element' : 'end';
        }
        continue;
      }
      if (c === 10) {
        line += 1;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) continue;
      if (state === 'start') {
        if (c !== 91) {
          fatal(line, 'A JSON dataset must be an array of objects');
          yield* stop();
          return;
        }
        state = 'firstElement';
      } else if (state === 'end') {
        fatal(line, 'JSON syntax error: unexpected content after the array');
        yield* stop();
        return;
      } else if (c === 93 && state === 'firstElement') {
        state = 'end';
      } else if (c === 93 || c === 44) {
        fatal(line, `JSON syntax error: unexpected ${c === 93 ? ']' : ','}`);
        yield* stop();
        return;
      } else {
        state = 'inElement';
        elementLine = line;
        segment = i;
        depth = 0;
        inString = false;
        escaped = false;
        i -= 1; // rescan this character as part of the element
      }
    }
    if (state === 'inElement') parts.push(chunk.slice(segment));
    if (out.length > 0) yield out;
  }
  if (summary.malformed) return;
  const last = state as State; // tsc's loop narrowing misses some assignments above
  if (last === 'start') fatal(line, 'The file is empty: expected a JSON array');
  else if (last !== 'end') fatal(line, 'JSON syntax error: the array is never closed');
}

// ---------------------------------------------------------------------------
// JSONL

async function* parseJsonl(batches: AsyncIterable<Line[]>, summary: ParseSummary): AsyncGenerator<DatasetRecord[]> {
  let nonBlank = 0;
  let invalid = 0;
  for await (const lines of batches) {
    const out: DatasetRecord[] = [];
    for (const { text, line } of lines) {
      if (text.trim() === '') continue;
      nonBlank += 1;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        invalid += 1;
        addIssue(summary, line, `The line is not valid JSON: ${describeJsonError(error).message}`);
        continue;
      }
      for (const record of recordsFromValue(value, line, summary)) out.push(record);
    }
    if (out.length > 0) yield out;
  }
  if (summary.malformed) return;
  if (invalid * 2 > nonBlank) addIssue(summary, null, 'More than half of the lines are not valid JSON: this is not a JSONL file', true);
}

// ---------------------------------------------------------------------------
// TXT and MD

const MARKER = /^(?:\*\*|__)?(Q|A|질문|답변)\s*\d*(?:\*\*|__)?\s*(?::|：|\.(?=\s|$))(?:\*\*|__)?\s*/;
const FENCE = /^(```|~~~)/;

function marker(line: string, markdown: boolean): { kind: 'Q' | 'A'; rest: string } | null {
  const candidate = markdown ? line.replace(/^(?:#{1,6}|[-*+])\s+/, '') : line;
  const match = MARKER.exec(candidate);
  if (!match) return null;
  return { kind: match[1] === 'Q' || match[1] === '질문' ? 'Q' : 'A', rest: candidate.slice(match[0].length) };
}

async function* parseText(batches: AsyncIterable<Line[]>, summary: ParseSummary, markdown: boolean): AsyncGenerator<DatasetRecord[]> {
  type Mode = 'none' | 'paragraph' | 'question' | 'answer' | 'skip';
  let mode: Mode = 'none';
  let startLine = 0;
  let question: string[] = [];
  let answer: string[] = [];
  let paragraph: string[] = [];
  let questionClosed = false; // a blank line followed the question: only an answer may continue it
  let fence: string | null = null;

  const flush = function* (): Generator<DatasetRecord> {
    if (mode === 'paragraph') {
      const text = paragraph.join('\n').trim();
      if (text) yield { text, line: startLine };
    } else if (mode === 'question') {
      addIssue(summary, startLine, 'The question has no answer');
    } else if (mode === 'answer') {
      const q = question.join('\n').trim();
      const a = answer.join('\n').trim();
      if (q && a) yield { question: q, answer: a, line: startLine };
      else addIssue(summary, startLine, q ? 'The answer is empty' : 'The question is empty');
    }
    mode = 'none';
    question = [];
    answer = [];
    paragraph = [];
  };
  const append = function* (content: string, line: number): Generator<DatasetRecord> {
    if (mode === 'question' && questionClosed) yield* flush();
    if (mode === 'question') question.push(content);
    else if (mode === 'answer') answer.push(content);
    else if (mode === 'paragraph') paragraph.push(content);
    else if (mode === 'none') {
      mode = 'paragraph';
      startLine = line;
      paragraph = [content];
    }
  };

  let out: DatasetRecord[] = [];
  const emit = (records: Iterable<DatasetRecord>) => {
    for (const record of records) out.push(record);
  };
  for await (const lines of batches) {
    for (const { text, line } of lines) {
      if (fence !== null) {
        emit(append(text, line));
        if (text.trim().startsWith(fence)) fence = null;
        continue;
      }
      const trimmed = text.trim();
      if (trimmed === '') {
        if (mode === 'question') questionClosed = true;
        else emit(flush());
        continue;
      }
      if (markdown) {
        const opening = FENCE.exec(trimmed);
        if (opening) {
          fence = opening[1];
          emit(append(text, line));
          continue;
        }
      }
      const found = marker(trimmed, markdown);
      if (found?.kind === 'Q') {
        emit(flush());
        mode = 'question';
        startLine = line;
        question = [found.rest];
        questionClosed = false;
      } else if (found?.kind === 'A') {
        if (mode === 'question') {
          mode = 'answer';
          answer = [found.rest];
        } else {
          emit(flush());
          addIssue(summary, line, 'The answer has no question');
          mode = 'skip';
        }
      } else {
        emit(append(markdown ? trimmed.replace(/^#{1,6}\s+/, '').replace(/\s+#+$/, '') : trimmed, line));
      }
    }
    if (out.length > 0) yield out;
    out = [];
  }
  if (summary.malformed) return;
  emit(flush());
  if (out.length > 0) yield out;
}
