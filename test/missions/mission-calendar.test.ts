import {
  addDays,
  checkInProblem,
  computeProgress,
  isCalendarDate,
  missionEndDate,
  seoulDate,
} from '../../src/modules/missions/mission-calendar';

describe('seoulDate', () => {
  it('given the last second before Seoul midnight, when converted, then it is still the same Seoul day', () => {
    expect(seoulDate(new Date('2026-11-29T14:59:59Z'))).toBe('2026-11-29');
  });

  it('given Seoul midnight (15:00 UTC), when converted, then it is the next Seoul day', () => {
    expect(seoulDate(new Date('2026-11-29T15:00:00Z'))).toBe('2026-11-30');
  });

  it('given New Year in Seoul, when converted, then the year rolls over before UTC does', () => {
    expect(seoulDate(new Date('2026-12-31T15:00:00Z'))).toBe('2027-01-01');
  });

  it('given an invalid Date, when converted, then it throws', () => {
    expect(() => seoulDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it('given a month end, when adding a day, then it moves to the next month', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
  });

  it('given a year end, when adding a day, then it moves to the next year', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('given a leap year, when crossing February, then the leap day exists', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
  });

  it('given a non-leap year, when crossing February, then there is no leap day', () => {
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
  });

  it('given negative days, when subtracting across a year, then it goes back', () => {
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('given a non-date or a fractional count, when adding, then it throws', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2026-11-01', 1.5)).toThrow(RangeError);
  });
});

describe('isCalendarDate', () => {
  it.each(['2026-11-01', '2024-02-29', '2026-12-31'])('given %p, when checked, then it is a date', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each(['2026-2-1', '2026-13-01', '2025-02-29', '2024-02-30', '2026-00-10', '2026-11-00', '', 'abc', '2026-11-01T00:00:00Z', ' 2026-11-01'])(
    'given %p, when checked, then it is not a date',
    (value) => {
      expect(isCalendarDate(value)).toBe(false);
    },
  );
});

describe('missionEndDate', () => {
  it('given a 7-day mission starting 2026-11-01, when computing the end, then the inclusive last day is 2026-11-07', () => {
    expect(missionEndDate('2026-11-01', 7)).toBe('2026-11-07');
  });

  it('given a 1-day mission, when computing the end, then it ends the day it starts', () => {
    expect(missionEndDate('2026-11-01', 1)).toBe('2026-11-01');
  });

  it('given a mission crossing a year end, when computing the end, then it lands in the next year', () => {
    expect(missionEndDate('2026-12-30', 7)).toBe('2027-01-05');
  });

  it('given a non-positive duration, when computing the end, then it throws', () => {
    expect(() => missionEndDate('2026-11-01', 0)).toThrow(RangeError);
  });
});

describe('checkInProblem', () => {
  const start = '2026-11-01';
  const end = '2026-11-07';

  it('given a malformed date, when checked, then it is NOT_A_DATE', () => {
    expect(checkInProblem('2026-11-1', start, end, '2026-11-03')).toBe('NOT_A_DATE');
    expect(checkInProblem('2026-11-31', start, end, '2026-11-03')).toBe('NOT_A_DATE');
  });

  it('given the day before the start, when checked, then it is BEFORE_START', () => {
    expect(checkInProblem('2026-10-31', start, end, '2026-11-03')).toBe('BEFORE_START');
  });

  it('given the day after the end, when checked, then it is AFTER_END', () => {
    expect(checkInProblem('2026-11-08', start, end, '2026-11-10')).toBe('AFTER_END');
  });

  it('given tomorrow inside the mission, when checked, then it is IN_THE_FUTURE', () => {
    expect(checkInProblem('2026-11-04', start, end, '2026-11-03')).toBe('IN_THE_FUTURE');
  });

  it('given the start day and today, when checked, then both are accepted', () => {
    expect(checkInProblem(start, start, end, '2026-11-03')).toBeNull();
    expect(checkInProblem('2026-11-03', start, end, '2026-11-03')).toBeNull();
  });

  it('given today is the end day, when checking in the end day, then it is accepted', () => {
    expect(checkInProblem(end, start, end, end)).toBeNull();
  });

  it('given today is the end day, when checking in the day after, then it is AFTER_END', () => {
    expect(checkInProblem('2026-11-08', start, end, end)).toBe('AFTER_END');
  });
});

describe('computeProgress', () => {
  const start = '2026-11-01';
  const end = '2026-11-07';
  const days = (values: Record<string, number>) => Object.entries(values).map(([date, value]) => ({ date, value }));
  const week = (value: number) => days(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [addDays(start, i), value])));

  it('given every day on target, when computed, then it is COMPLETED with a full streak', () => {
    expect(computeProgress(week(10), 10, start, end, 7, end)).toEqual({
      daysOnTarget: 7,
      progress: 1,
      streakDays: 7,
      status: 'COMPLETED',
    });
  });

  it('given every day on target, when computed after the end, then it is still COMPLETED', () => {
    expect(computeProgress(week(12), 10, start, end, 7, '2026-11-20').status).toBe('COMPLETED');
  });

  it('given a missing day, when computed, then the streak restarts after the gap', () => {
    const result = computeProgress(
      days({ '2026-11-01': 10, '2026-11-02': 10, '2026-11-04': 10, '2026-11-05': 10 }),
      10, start, end, 7, '2026-11-05',
    );
    expect(result).toEqual({ daysOnTarget: 4, progress: 4 / 7, streakDays: 2, status: 'ACTIVE' });
  });

  it('given an off-target day in the middle, when computed, then it breaks the streak', () => {
    const result = computeProgress(
      days({ '2026-11-01': 10, '2026-11-02': 9, '2026-11-03': 11 }),
      10, start, end, 7, '2026-11-03',
    );
    expect(result).toEqual({ daysOnTarget: 2, progress: 2 / 7, streakDays: 1, status: 'ACTIVE' });
  });

  it('given the latest check-in is off target, when computed, then the streak is 0', () => {
    const result = computeProgress(
      days({ '2026-11-01': 10, '2026-11-02': 10, '2026-11-03': 3 }),
      10, start, end, 7, '2026-11-03',
    );
    expect(result).toEqual({ daysOnTarget: 2, progress: 2 / 7, streakDays: 0, status: 'ACTIVE' });
  });

  it('given unsorted check-ins, when computed, then the streak is taken from the latest date', () => {
    const result = computeProgress(
      days({ '2026-11-03': 10, '2026-11-01': 2, '2026-11-02': 10 }),
      10, start, end, 7, '2026-11-03',
    );
    expect(result.streakDays).toBe(2);
  });

  it('given no check-ins, when computed during the mission, then nothing is on target', () => {
    expect(computeProgress([], 10, start, end, 7, start)).toEqual({
      daysOnTarget: 0,
      progress: 0,
      streakDays: 0,
      status: 'ACTIVE',
    });
  });

  it('given today is the end day and days are missing, when computed, then it is still ACTIVE', () => {
    expect(computeProgress(days({ '2026-11-01': 10 }), 10, start, end, 7, end).status).toBe('ACTIVE');
  });

  it('given the day after the end and days missing, when computed, then it is EXPIRED', () => {
    const result = computeProgress(days({ '2026-11-01': 10, '2026-11-07': 10 }), 10, start, end, 7, '2026-11-08');
    expect(result).toEqual({ daysOnTarget: 2, progress: 2 / 7, streakDays: 1, status: 'EXPIRED' });
  });

  it('given one of three days on target, when computed, then progress is exactly 1/3 (not rounded)', () => {
    const result = computeProgress(days({ '2026-11-01': 10 }), 10, start, '2026-11-03', 3, '2026-11-01');
    expect(result.progress).toBe(1 / 3);
  });

  it('given two of three days on target, when computed, then progress is exactly 2/3 (not rounded)', () => {
    const result = computeProgress(days({ '2026-11-01': 10, '2026-11-02': 10 }), 10, start, '2026-11-03', 3, '2026-11-02');
    expect(result.progress).toBe(2 / 3);
  });

  it('given a repeated date, when computed, then the later value replaces the earlier one', () => {
    const result = computeProgress(
      [{ date: '2026-11-01', value: 10 }, { date: '2026-11-01', value: 1 }],
      10, start, end, 7, '2026-11-01',
    );
    expect(result).toEqual({ daysOnTarget: 0, progress: 0, streakDays: 0, status: 'ACTIVE' });
  });

  it('given check-ins outside the mission, when computed, then they are ignored', () => {
    const result = computeProgress(
      days({ '2026-10-31': 10, '2026-11-01': 10, '2026-11-08': 10 }),
      10, start, end, 7, '2026-11-08',
    );
    expect(result).toEqual({ daysOnTarget: 1, progress: 1 / 7, streakDays: 1, status: 'EXPIRED' });
  });
});
