import type { BusinessCalendar } from '../../db/schema.ts';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTE = 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string) {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a zone. */
function localParts(instant: number, timezone: string) {
  const parts = Object.fromEntries(formatter(timezone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return { y: +parts.year!, m: +parts.month!, d: +parts.day!, h: +parts.hour!, min: +parts.minute!, s: +parts.second! };
}

/** Offset of the zone at an instant, in ms (local − UTC). */
function offsetAt(instant: number, timezone: string): number {
  const p = localParts(instant, timezone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the zone's clock shows this local time (DST gaps resolve forward). */
function instantOf(y: number, m: number, d: number, minutes: number, timezone: string): number {
  const naive = Date.UTC(y, m - 1, d, 0, minutes);
  const first = naive - offsetAt(naive, timezone);
  return naive - offsetAt(first, timezone);
}

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** Checks a calendar before it is saved: zone known, times HH:MM, close after open. */
export function validateCalendar(calendar: BusinessCalendar): string | null {
  try {
    formatter(calendar.timezone);
  } catch {
    return `Unknown time zone ${calendar.timezone}`;
  }
  let open = 0;
  for (const [day, intervals] of Object.entries(calendar.week)) {
    if (!DAYS.includes(day as (typeof DAYS)[number])) return `Unknown weekday ${day}`;
    for (const [from, to] of intervals ?? []) {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(from) || !/^([01]\d|2[0-4]):[0-5]\d$/.test(to)) return `Times are HH:MM (${day})`;
      if (toMinutes(to) <= toMinutes(from)) return `Closing time must be after opening time (${day})`;
      open += toMinutes(to) - toMinutes(from);
    }
  }
  return open > 0 ? null : 'A calendar needs at least one working interval';
}

/**
 * The instant that lies `minutes` of working time after `start`, counting only the calendar's
 * intervals (no calendar: wall-clock time). Walks day by day in the calendar's own zone.
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar | null | undefined): Date {
  if (!calendar) return new Date(start.getTime() + minutes * MINUTE);
  let remaining = minutes * MINUTE;
  const holidays = new Set(calendar.holidays ?? []);
  const t0 = start.getTime();
  const first = localParts(t0, calendar.timezone);
  // Day 0 is the start's local date; a year of closed days means the calendar is unusable.
  for (let day = 0; day < 400; day++) {
    const date = new Date(Date.UTC(first.y, first.m - 1, first.d + day));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (holidays.has(iso)) continue;
    const intervals = [...(calendar.week[DAYS[date.getUTCDay()]!] ?? [])].sort((a, b) => toMinutes(a[0]) - toMinutes(b[0]));
    for (const [from, to] of intervals) {
      const open = Math.max(instantOf(y, m, d, toMinutes(from), calendar.timezone), t0);
      const close = instantOf(y, m, d, toMinutes(to), calendar.timezone);
      if (close <= open) continue;
      if (close - open >= remaining) return new Date(open + remaining);
      remaining -= close - open;
    }
  }
  throw new Error('The business calendar has no working time in the next 400 days');
}

/**
 * Working minutes between two instants under a calendar (no calendar: wall-clock minutes) — the
 * inverse of addBusinessMinutes, used to know how long an SLA clock was stopped.
 */
export function businessMinutesBetween(start: Date, end: Date, calendar: BusinessCalendar | null | undefined): number {
  const t0 = start.getTime();
  const t1 = end.getTime();
  if (t1 <= t0) return 0;
  if (!calendar) return (t1 - t0) / MINUTE;
  const holidays = new Set(calendar.holidays ?? []);
  const first = localParts(t0, calendar.timezone);
  let total = 0;
  for (let day = 0; day < 800; day++) {
    const date = new Date(Date.UTC(first.y, first.m - 1, first.d + day));
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    // Past the end's day: nothing more can overlap.
    if (instantOf(y, m, d, 0, calendar.timezone) >= t1) break;
    const iso = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    if (holidays.has(iso)) continue;
    for (const [from, to] of calendar.week[DAYS[date.getUTCDay()]!] ?? []) {
      const open = Math.max(instantOf(y, m, d, toMinutes(from), calendar.timezone), t0);
      const close = Math.min(instantOf(y, m, d, toMinutes(to), calendar.timezone), t1);
      if (close > open) total += close - open;
    }
  }
  return total / MINUTE;
}
