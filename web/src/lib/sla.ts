import type { ConversationOut } from '../../../common/schemas.ts';

const HOUR = 3600_000;

export type SlaState = 'ok' | 'soon' | 'overdue';

/** The nearest SLA due time still in force, and how it stands now. */
export function nearestDue(c: Pick<ConversationOut, 'status' | 'firstResponseAt' | 'firstResponseDueAt' | 'nextResponseDueAt' | 'resolutionDueAt'>, now: number) {
  if (c.status === 'solved' || c.status === 'closed') return null;
  const candidates = [c.firstResponseAt ? null : c.firstResponseDueAt, c.nextResponseDueAt, c.resolutionDueAt]
    .filter((v): v is string => Boolean(v))
    .map((v) => Date.parse(v))
    .filter((v) => !Number.isNaN(v));
  if (candidates.length === 0) return null;
  const at = Math.min(...candidates);
  const diff = at - now;
  const state: SlaState = diff < 0 ? 'overdue' : diff < HOUR ? 'soon' : 'ok';
  return { at, diff, state };
}

/** "23m", "2h 5m", "3d 4h". */
export function shortDuration(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days}d ${hours % 24}h` : `${days}d`;
}
