import type { ConversationOut } from '../../../common/schemas.ts';

const HOUR = 3600_000;

export type SlaState = 'ok' | 'soon' | 'overdue' | 'paused';

/**
 * The nearest SLA due time still in force, and how it stands now. While the ticket waits on the
 * customer or is on hold the server stops the resolution clock (and moves its due time when the
 * clock starts again), so that deadline is shown as paused rather than counting down.
 */
export function nearestDue(c: Pick<ConversationOut, 'status' | 'firstResponseAt' | 'firstResponseDueAt' | 'nextResponseDueAt' | 'resolutionDueAt'>, now: number) {
  if (c.status === 'solved' || c.status === 'closed') return null;
  const paused = c.status === 'pending' || c.status === 'on_hold';
  const candidates = [c.firstResponseAt ? null : c.firstResponseDueAt, c.nextResponseDueAt, paused ? null : c.resolutionDueAt]
    .filter((v): v is string => Boolean(v))
    .map((v) => Date.parse(v))
    .filter((v) => !Number.isNaN(v));
  if (candidates.length === 0) {
    const resolution = paused && c.resolutionDueAt ? Date.parse(c.resolutionDueAt) : NaN;
    return Number.isNaN(resolution) ? null : { at: resolution, diff: resolution - now, state: 'paused' as SlaState };
  }
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
