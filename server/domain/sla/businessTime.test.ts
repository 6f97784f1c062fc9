import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween, validateCalendar } from './businessTime.ts';

const shanghai = {
  timezone: 'Asia/Shanghai',
  week: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '12:00'], ['13:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] },
  holidays: ['2026-10-01'],
} as const;
const cal = shanghai as unknown as Parameters<typeof addBusinessMinutes>[2];

describe('addBusinessMinutes', () => {
  it('is wall-clock time without a calendar', () => {
    expect(addBusinessMinutes(new Date('2026-11-24T10:00:00Z'), 90, null).toISOString()).toBe('2026-11-24T11:30:00.000Z');
  });

  it('counts within the same working day in the calendar zone', () => {
    // Tue 2026-11-24 10:00 Shanghai = 02:00Z; +60 min → 11:00 local = 03:00Z.
    expect(addBusinessMinutes(new Date('2026-11-24T02:00:00Z'), 60, cal).toISOString()).toBe('2026-11-24T03:00:00.000Z');
  });

  it('carries over the night and skips the lunch break', () => {
    // Tue 17:30 local (09:30Z) + 60 min: 30 min Tuesday, 30 min from Wed 09:00 → Wed 09:30 local = 01:30Z.
    expect(addBusinessMinutes(new Date('2026-11-24T09:30:00Z'), 60, cal).toISOString()).toBe('2026-11-25T01:30:00.000Z');
    // Wed 11:30 local + 60 min: 30 min before lunch, 30 after → 13:30 local = 05:30Z.
    expect(addBusinessMinutes(new Date('2026-11-25T03:30:00Z'), 60, cal).toISOString()).toBe('2026-11-25T05:30:00.000Z');
  });

  it('starts at opening time when created at night and skips weekends and holidays', () => {
    // Fri 2026-11-27 23:00 local (15:00Z) + 30 → Mon 09:30 local = Mon 01:30Z.
    expect(addBusinessMinutes(new Date('2026-11-27T15:00:00Z'), 30, cal).toISOString()).toBe('2026-11-30T01:30:00.000Z');
    // Wed 2026-09-30 17:00 local + 120: 60 min Wed, Thu 10-01 holiday, 60 min Fri → Fri 10:00 local = 02:00Z.
    expect(addBusinessMinutes(new Date('2026-09-30T09:00:00Z'), 120, cal).toISOString()).toBe('2026-10-02T02:00:00.000Z');
  });

  it('handles a zone with daylight saving time', () => {
    const ny = { timezone: 'America/New_York', week: { sat: [['09:00', '17:00']], sun: [['09:00', '17:00']], mon: [['09:00', '17:00']] } };
    // Sat 2026-03-07 16:00 EST (21:00Z) + 120 min: 60 Sat, 60 on Sun (EDT from 02:00) → Sun 10:00 EDT = 14:00Z.
    expect(addBusinessMinutes(new Date('2026-03-07T21:00:00Z'), 120, ny as any).toISOString()).toBe('2026-03-08T14:00:00.000Z');
  });

  it('validates calendars', () => {
    expect(validateCalendar(cal!)).toBeNull();
    expect(validateCalendar({ timezone: 'Mars/Base', week: { mon: [['09:00', '18:00']] } })).toMatch(/time zone/);
    expect(validateCalendar({ timezone: 'UTC', week: { mon: [['18:00', '09:00']] } })).toMatch(/after opening/);
    expect(validateCalendar({ timezone: 'UTC', week: {} })).toMatch(/at least one/);
  });
});

describe('businessMinutesBetween', () => {
  it('is wall-clock minutes without a calendar, and zero backwards', () => {
    expect(businessMinutesBetween(new Date('2026-11-24T10:00:00Z'), new Date('2026-11-24T11:30:00Z'), null)).toBe(90);
    expect(businessMinutesBetween(new Date('2026-11-24T11:30:00Z'), new Date('2026-11-24T10:00:00Z'), null)).toBe(0);
  });

  it('counts only working time: nights, lunch, weekends and holidays are skipped', () => {
    // Tue 17:30 local → Wed 13:30 local: 30 (Tue) + 180 (Wed morning) + 30 (after lunch).
    expect(businessMinutesBetween(new Date('2026-11-24T09:30:00Z'), new Date('2026-11-25T05:30:00Z'), cal)).toBe(240);
    // Fri 23:00 local → Mon 09:30 local: only Monday's first half hour.
    expect(businessMinutesBetween(new Date('2026-11-27T15:00:00Z'), new Date('2026-11-30T01:30:00Z'), cal)).toBe(30);
    // Across the 10-01 holiday.
    expect(businessMinutesBetween(new Date('2026-09-30T09:00:00Z'), new Date('2026-10-02T02:00:00Z'), cal)).toBe(120);
  });

  it('inverts addBusinessMinutes', () => {
    for (const [start, minutes] of [['2026-11-24T02:00:00Z', 60], ['2026-11-27T15:00:00Z', 1000], ['2026-09-29T05:00:00Z', 2500]] as const) {
      const from = new Date(start);
      const to = addBusinessMinutes(from, minutes, cal);
      // From a closed moment the count starts at opening time, exactly as adding does.
      expect(businessMinutesBetween(from, to, cal)).toBe(minutes);
    }
  });
});
