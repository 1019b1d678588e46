/**
 * Mission calendar rules (SPEC section 7). Dates are calendar days in
 * Asia/Seoul, written 'YYYY-MM-DD'. Pure functions, no I/O, no date library.
 */

const SEOUL_OFFSET_MS = 9 * 60 * 60 * 1000; // UTC+9, Korea has no DST
const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' of the instant in Asia/Seoul (UTC+9, no DST). */
export function seoulDate(at: Date): string {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError('seoulDate: invalid Date');
  return new Date(ms + SEOUL_OFFSET_MS).toISOString().slice(0, 10);
}

/** UTC midnight of a 'YYYY-MM-DD', or null when the string is not an existing date. */
function toUtcMs(value: string): number | null {
  const m = DATE_SHAPE.exec(value);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years < 100 literal
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.getTime();
}

function fromUtcMs(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('date out of range 0000-9999');
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${String(y).padStart(4, '0')}-${mm}-${dd}`;
}

function requireDate(value: string, name: string): number {
  const ms = toUtcMs(value);
  if (ms === null) throw new RangeError(`${name} is not a calendar date: ${JSON.stringify(value)}`);
  return ms;
}

/** Strict 'YYYY-MM-DD' naming a day that exists ('2024-02-30' and '2026-2-1' are false). */
export function isCalendarDate(value: string): boolean {
  return typeof value === 'string' && toUtcMs(value) !== null;
}

/** Calendar arithmetic on 'YYYY-MM-DD' (days may be negative). Throws RangeError on a non-date or non-integer. */
export function addDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer: ${days}`);
  return fromUtcMs(requireDate(date, 'date') + days * DAY_MS);
}

/**
 * Inclusive last day of a mission: startDate + durationDays - 1.
 * A 7-day mission starting 2026-11-01 runs 2026-11-01 .. 2026-11-07 (7 check-in days).
 */
export function missionEndDate(startDate: string, durationDays: number): string {
  if (!Number.isInteger(durationDays) || durationDays < 1) {
    throw new RangeError(`durationDays must be a positive integer: ${durationDays}`);
  }
  return addDays(startDate, durationDays - 1);
}

export type CheckInProblem = 'NOT_A_DATE' | 'BEFORE_START' | 'AFTER_END' | 'IN_THE_FUTURE';

/**
 * Why a check-in date is refused, or null when it is accepted.
 * Checked in this order: NOT_A_DATE, BEFORE_START, AFTER_END, IN_THE_FUTURE
 * (a date past the end is AFTER_END even when it is also in the future).
 * startDate, endDate (inclusive) and today are trusted 'YYYY-MM-DD'.
 */
export function checkInProblem(date: string, startDate: string, endDate: string, today: string): CheckInProblem | null {
  if (!isCalendarDate(date)) return 'NOT_A_DATE';
  // Valid 'YYYY-MM-DD' strings compare chronologically as strings.
  if (date < startDate) return 'BEFORE_START';
  if (date > endDate) return 'AFTER_END';
  if (date > today) return 'IN_THE_FUTURE';
  return null;
}

export interface MissionProgress {
  daysOnTarget: number;
  progress: number;
  streakDays: number;
  status: 'ACTIVE' | 'COMPLETED' | 'EXPIRED';
}

/**
 * checkIns: at most one per date (if a date repeats, the later entry wins, as a
 * second check-in replaces the first). Entries that are not calendar dates or lie
 * outside startDate..endDate (inclusive) are ignored. A day is on target when
 * value >= targetValue.
 * - daysOnTarget: distinct mission days on target.
 * - progress: daysOnTarget / durationDays, exact (1/3 is 0.333..., not rounded: a client rounds for display).
 * - streakDays: consecutive calendar days on target ending at the latest check-in
 *   date; 0 when there is no check-in or the latest one is not on target.
 * - status: COMPLETED when daysOnTarget === durationDays; otherwise EXPIRED when
 *   today > endDate; otherwise ACTIVE.
 */
export function computeProgress(
  checkIns: { date: string; value: number }[],
  targetValue: number,
  startDate: string,
  endDate: string,
  durationDays: number,
  today: string,
): MissionProgress {
  if (!Number.isInteger(durationDays) || durationDays < 1) {
    throw new RangeError(`durationDays must be a positive integer: ${durationDays}`);
  }
  const byDate = new Map<string, number>();
  for (const c of checkIns) {
    if (isCalendarDate(c.date) && c.date >= startDate && c.date <= endDate) byDate.set(c.date, c.value);
  }
  const onTarget = (date: string): boolean => {
    const v = byDate.get(date);
    return v !== undefined && v >= targetValue;
  };

  let daysOnTarget = 0;
  let latest: string | null = null;
  for (const date of byDate.keys()) {
    if (onTarget(date)) daysOnTarget++;
    if (latest === null || date > latest) latest = date;
  }

  let streakDays = 0;
  for (let d = latest; d !== null && d >= startDate && onTarget(d); d = addDays(d, -1)) streakDays++;

  const progress = daysOnTarget / durationDays;
  const status = daysOnTarget === durationDays ? 'COMPLETED' : today > endDate ? 'EXPIRED' : 'ACTIVE';
  return { daysOnTarget, progress, streakDays, status };
}
