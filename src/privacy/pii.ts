import { isIPv6 } from 'node:net';

// SPEC 5 and 6: finds personal data in free text (uploaded training data, chat
// messages) so a redacted copy can be written. Pure and synchronous; every
// pattern is linear-time (bounded quantifiers, boundaries checked by
// lookarounds at the start, no nested unbounded repetition), so hostile input
// cannot cause catastrophic backtracking.
//
// Semantics chosen:
// - Number boundaries: a numeric match is never preceded or followed by a digit,
//   nor by '-' or '.' that glues it to another digit ("1-010-1234-5678",
//   "1.2.3.4.5" and "900101-1234567-12" are not matched as a whole or in part).
// - Overlaps: the LONGEST candidate wins; equal spans go by PII_PRIORITY. Longest
//   first because with these boundaries an overlap is nearly always containment
//   (digits inside an e-mail's local part, an IPv4 tail inside an IPv6 address),
//   and keeping the container hides the whole value instead of leaving the rest
//   of an address readable. Equal spans are the same digits read two ways (a
//   13-digit RRN that also passes Luhn, "02-1234-5678" as phone or account).
// - RESIDENT_REGISTRATION_NUMBER: YYMMDD-GXXXXXX or the 13 digits unbroken, the
//   date must exist (century from the gender digit G, 1-8) and the legacy
//   check digit is NOT verified: numbers issued since October 2020 carry a
//   random tail that does not satisfy it.
// - CARD_NUMBER: 13-19 digits (first digit 1-9), unbroken or grouped with one
//   kind of separator (space or '-') as 4-4-4-4, 4-4-4-4-1..3, 4-6-5 (Amex) or
//   4-6-4 (Diners), and the Luhn check must pass.
// - BANK_ACCOUNT: 3 or 4 hyphen-separated groups (first 2-7 digits, others
//   1-7) totalling 10-14 digits, unless it starts like a date (2024-01-15-...).
//   An unbroken 10-14 digit run counts only when an account keyword (계좌, 입금,
//   송금, 은행, 통장, account, acct, bank) ends at most KEYWORD_GAP characters
//   before it: without context such runs are order numbers as often as accounts.
// - PHONE: separators within one number must be the same ('-', '.', ' ' or
//   none); representative numbers (15xx/16xx/18xx) only as NNNN-NNNN, and not
//   when both halves are round hundreds ("1500-2000원", "1600-1800년대").
//   080 toll-free numbers are included with the landlines.
// - PASSPORT_NUMBER: Korean [MSROD]+8 digits or [MSROD]+3 digits+letter+4
//   digits (uppercase, not inside a longer ASCII word); any [A-Z]{1,2}+7-8
//   digits only after 여권/passport (KEYWORD_GAP as above).
// - IP_ADDRESS: IPv4 with octets 0-255 without leading zeros, not part of a
//   longer dotted number and not glued to a preceding letter ("v10.0.0.1" is a
//   version); a bare 4-part "1.2.3.4" is indistinguishable from an address and
//   is redacted. IPv6 as validated by node:net, with at least two non-empty
//   groups and a digit ("12:30:45", MAC addresses and "std::vector" are not).
// - EMAIL: ASCII local@domain.tld, local part up to 64 characters starting at a
//   token boundary; a TLD of 2+ letters is required ("user@localhost" is not).

export type PiiType =
  | 'EMAIL'
  | 'PHONE'
  | 'RESIDENT_REGISTRATION_NUMBER'
  | 'CARD_NUMBER'
  | 'BANK_ACCOUNT'
  | 'PASSPORT_NUMBER'
  | 'IP_ADDRESS';

export const PII_PLACEHOLDERS: Readonly<Record<PiiType, string>> = Object.freeze({
  EMAIL: '[EMAIL]',
  PHONE: '[PHONE]',
  RESIDENT_REGISTRATION_NUMBER: '[RRN]',
  CARD_NUMBER: '[CARD]',
  BANK_ACCOUNT: '[ACCOUNT]',
  PASSPORT_NUMBER: '[PASSPORT]',
  IP_ADDRESS: '[IP]',
});

/** Tie-break for candidates covering exactly the same span, highest first. */
export const PII_PRIORITY: readonly PiiType[] = Object.freeze([
  'RESIDENT_REGISTRATION_NUMBER',
  'CARD_NUMBER',
  'EMAIL',
  'PHONE',
  'BANK_ACCOUNT',
  'PASSPORT_NUMBER',
  'IP_ADDRESS',
] as const);

export interface PiiFinding {
  type: PiiType;
  /** UTF-16 offsets into the input: text.slice(start, end) is the finding. */
  start: number;
  end: number;
}

/** Most characters allowed between a context keyword's end and the number it introduces. */
export const KEYWORD_GAP = 12;

const ACCOUNT_KEYWORDS = ['계좌', '입금', '송금', '은행', '통장', 'account', 'acct', 'bank'];
const PASSPORT_KEYWORDS = ['여권', 'passport'];

const NUM_START = String.raw`(?<!\d)(?<!\d[-.])`;
const NUM_END = String.raw`(?!\d)(?![-.]\d)`;
const numeric = (body: string) => new RegExp(NUM_START + body + NUM_END, 'g');

const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9])/g;

const KR_AREA = '(?:3[1-3]|4[1-4]|5[1-5]|6[1-4])';
const PHONE_RES: RegExp[] = [
  numeric(String.raw`01[016-9]([-. ]?)\d{3,4}\1\d{4}`),
  numeric(String.raw`02([-. ]?)\d{3,4}\1\d{4}`),
  numeric(String.raw`0${KR_AREA}([-. ]?)\d{3,4}\1\d{4}`),
  numeric(String.raw`0[78]0([-. ]?)\d{3,4}\1\d{4}`),
  numeric(String.raw`\+82[-. ]?(?:\(0\)|0)?(?:1[016-9]|2|${KR_AREA}|[78]0)([-. ]?)\d{3,4}\1\d{4}`),
];
const REPRESENTATIVE_RE = numeric(String.raw`1[568]\d{2}-\d{4}`);

const RRN_RE = numeric(String.raw`(\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-?([1-8])\d{6}`);

const CARD_RES: RegExp[] = [
  numeric(String.raw`[1-9]\d{12,18}`),
  numeric(String.raw`[1-9]\d{3}([- ])\d{4}\1\d{4}\1\d{4}`),
  numeric(String.raw`[1-9]\d{3}([- ])\d{4}\1\d{4}\1\d{4}\1\d{1,3}`),
  numeric(String.raw`[1-9]\d{3}([- ])\d{6}\1\d{4,5}`),
];

const ACCOUNT_GROUPED_RE = numeric(String.raw`\d{2,7}(?:-\d{1,7}){2,3}`);
const ACCOUNT_PLAIN_RE = numeric(String.raw`\d{10,14}`);
const DATE_PREFIX_RE = /^(?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])-/;

const PASSPORT_KR_RE = /(?<![A-Za-z0-9])[MSROD](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])/g;
const PASSPORT_GENERIC_RE = /(?<![A-Za-z0-9])[A-Z]{1,2}\d{7,8}(?![A-Za-z0-9])/g;

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4_RE = new RegExp(String.raw`(?<![A-Za-z_])${NUM_START}${OCTET}(?:\.${OCTET}){3}(?!\d)(?!\.\d)`, 'g');
const IPV6_RUN_RE = /[0-9A-Fa-f:.]+/g;
const IPV6_MAX_LENGTH = 45;
const WORD_CHAR_RE = /[A-Za-z0-9_]/;

/**
 * Runs a global regex, keeping matches `accept` approves. After a rejected
 * match the scan resumes one character later, so a rejected candidate cannot
 * hide a valid one that starts inside it; every pattern here is bounded in
 * length, which keeps that linear.
 */
function scan(text: string, re: RegExp, type: PiiType, out: PiiFinding[], accept?: (m: RegExpExecArray) => boolean): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (accept && !accept(m)) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out.push({ type, start: m.index, end: m.index + m[0].length });
  }
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function keywordBefore(text: string, start: number, keywords: readonly string[]): boolean {
  const longest = Math.max(...keywords.map((k) => k.length));
  const from = Math.max(0, start - KEYWORD_GAP - longest);
  const window = text.slice(from, start).toLowerCase();
  return keywords.some((k) => {
    const at = window.lastIndexOf(k);
    return at >= 0 && from + at + k.length >= start - KEYWORD_GAP;
  });
}

function validRrnDate(yy: string, mm: string, dd: string, gender: string): boolean {
  const century = '1256'.includes(gender) ? 1900 : 2000;
  const year = century + Number(yy);
  const month = Number(mm);
  const day = Number(dd);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function detectIpv6(text: string, out: PiiFinding[]): void {
  IPV6_RUN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IPV6_RUN_RE.exec(text)) !== null) {
    const run = m[0];
    const firstColon = run.indexOf(':');
    if (firstColon < 0 || firstColon === run.lastIndexOf(':')) continue;
    let start = m.index;
    let end = m.index + run.length;
    // A single ':' or '.' at either edge is punctuation ("IP:fe80::1.", "주소 fe80::1: ..."), "::" is part of the address.
    while (start < end && (text[start] === '.' || (text[start] === ':' && text[start + 1] !== ':'))) start++;
    while (end > start && (text[end - 1] === '.' || (text[end - 1] === ':' && text[end - 2] !== ':'))) end--;
    if (end - start < 3 || end - start > IPV6_MAX_LENGTH) continue;
    if (start > 0 && WORD_CHAR_RE.test(text[start - 1])) continue;
    if (end < text.length && WORD_CHAR_RE.test(text[end])) continue;
    const candidate = text.slice(start, end);
    if (!isIPv6(candidate)) continue;
    if (candidate.split(':').filter((g) => g.length > 0).length < 2 || !/\d/.test(candidate)) continue;
    out.push({ type: 'IP_ADDRESS', start, end });
  }
}

function candidates(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  scan(text, RRN_RE, 'RESIDENT_REGISTRATION_NUMBER', out, (m) => validRrnDate(m[1], m[2], m[3], m[4]));
  for (const re of CARD_RES) {
    scan(text, re, 'CARD_NUMBER', out, (m) => {
      const digits = m[0].replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits);
    });
  }
  scan(text, EMAIL_RE, 'EMAIL', out);
  for (const re of PHONE_RES) scan(text, re, 'PHONE', out);
  scan(text, REPRESENTATIVE_RE, 'PHONE', out, (m) => !/^\d\d00-\d\d00$/.test(m[0]));
  scan(text, ACCOUNT_GROUPED_RE, 'BANK_ACCOUNT', out, (m) => {
    const n = digitCount(m[0]);
    return n >= 10 && n <= 14 && !DATE_PREFIX_RE.test(m[0]);
  });
  scan(text, ACCOUNT_PLAIN_RE, 'BANK_ACCOUNT', out, (m) => keywordBefore(text, m.index, ACCOUNT_KEYWORDS));
  scan(text, PASSPORT_KR_RE, 'PASSPORT_NUMBER', out);
  scan(text, PASSPORT_GENERIC_RE, 'PASSPORT_NUMBER', out, (m) => keywordBefore(text, m.index, PASSPORT_KEYWORDS));
  scan(text, IPV4_RE, 'IP_ADDRESS', out);
  detectIpv6(text, out);
  return out;
}

const RANK: Readonly<Record<PiiType, number>> = Object.freeze(
  Object.fromEntries(PII_PRIORITY.map((type, i) => [type, i])) as Record<PiiType, number>,
);

/** Personal data in `text`: non-overlapping, sorted by start (see the semantics above). */
export function findPii(text: string): PiiFinding[] {
  if (text.length === 0) return [];
  const all = candidates(text);
  if (all.length === 0) return [];
  all.sort((a, b) => (b.end - b.start) - (a.end - a.start) || RANK[a.type] - RANK[b.type] || a.start - b.start);
  const taken = new Uint8Array(text.length);
  const kept: PiiFinding[] = [];
  for (const c of all) {
    let free = true;
    for (let i = c.start; i < c.end; i++) {
      if (taken[i]) {
        free = false;
        break;
      }
    }
    if (!free) continue;
    taken.fill(1, c.start, c.end);
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** The text with each finding replaced by its placeholder, the findings, and how many of each type. */
export function redactPii(text: string): { text: string; findings: PiiFinding[]; counts: Partial<Record<PiiType, number>> } {
  const findings = findPii(text);
  const counts: Partial<Record<PiiType, number>> = {};
  const parts: string[] = [];
  let at = 0;
  for (const f of findings) {
    parts.push(text.slice(at, f.start), PII_PLACEHOLDERS[f.type]);
    at = f.end;
    counts[f.type] = (counts[f.type] ?? 0) + 1;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), findings, counts };
}
