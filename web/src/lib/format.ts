import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ConversationStatus, Priority } from '../../../common/enums.ts';

/** The current locale's name from a `{ en, zh-CN }` object, falling back to English, then to any. */
export function localName(names: Record<string, string> | null | undefined, lang: string): string {
  if (!names) return '';
  return names[lang] || names.en || Object.values(names).find(Boolean) || '';
}

export const STATUS_COLORS: Record<ConversationStatus, string> = {
  new: 'blue',
  open: 'teal',
  pending: 'yellow',
  on_hold: 'grape',
  solved: 'gray',
  closed: 'dark',
};

export const PRIORITY_COLORS: Record<Priority, string> = {
  low: 'gray',
  normal: 'blue',
  high: 'orange',
  urgent: 'red',
};

// One shared clock so a page of 50 relative times re-renders together, twice a minute.
let now = Date.now();
const subscribers = new Set<() => void>();
setInterval(() => {
  now = Date.now();
  for (const fn of subscribers) fn();
}, 30_000);

export function useNow(): number {
  return useSyncExternalStore(
    (fn) => {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    () => now,
  );
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "5 minutes ago", "in 2 hours", "刚刚" … */
export function relativeTime(iso: string, lang: string, nowMs: number, justNow: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - nowMs) / 1000);
  if (Math.abs(seconds) < 45) return justNow;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'minute') {
      return rtf.format(Math.round(seconds / size), unit);
    }
  }
  return justNow;
}

/** Full local date and time, e.g. for a tooltip or the audit log. */
export function absoluteTime(iso: string, lang: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

/** Time of day, with the date when it is not today. */
export function shortTime(iso: string, lang: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const sameDay = t.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(t);
}

/** A random id for idempotency keys; crypto.randomUUID exists only in secure contexts (https, localhost). */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Safe in-app path from a ?next= value (no other origins, no protocol-relative URLs). */
export function safeNext(next: string | null, fallback = '/agent'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next.startsWith('/login')) return fallback;
  return next;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '?';
  // CJK names have no spaces: the first character reads naturally.
  if (parts.length === 1) return Array.from(parts[0] ?? '?').slice(0, /[\u3400-\u9fff]/.test(parts[0] ?? '') ? 1 : 2).join('').toUpperCase();
  return ((parts[0]?.[0] ?? '') + (parts[parts.length - 1]?.[0] ?? '')).toUpperCase();
}

/** Re-renders every `ms` while enabled (countdowns); the current time. */
export function useTicker(ms: number, enabled = true): number {
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => setTick(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms, enabled]);
  return tick;
}

/** 75 → "1:15", 3700 → "1:01:40": a waiting time or countdown. */
export function clockDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
