import { describe, expect, it } from 'vitest';
import { nearestDue } from './sla.ts';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const base = { firstResponseAt: '2026-11-25T09:00:00Z', firstResponseDueAt: '2026-11-25T09:30:00Z', nextResponseDueAt: null, resolutionDueAt: '2026-11-25T10:30:00Z' };

describe('nearestDue', () => {
  it('counts down to the resolution deadline while the ticket is open', () => {
    expect(nearestDue({ ...base, status: 'open' }, NOW)).toEqual({ at: Date.parse(base.resolutionDueAt), diff: 30 * 60_000, state: 'soon' });
  });

  it('shows the resolution clock as paused while waiting on the customer or on hold', () => {
    for (const status of ['pending', 'on_hold'] as const) expect(nearestDue({ ...base, status }, NOW)?.state).toBe('paused');
  });

  it('still counts a response deadline that runs while pending', () => {
    const due = nearestDue({ ...base, status: 'pending', nextResponseDueAt: '2026-11-25T09:50:00Z' }, NOW);
    expect(due).toMatchObject({ state: 'overdue', diff: -10 * 60_000 });
  });

  it('has nothing for solved tickets or tickets without deadlines', () => {
    expect(nearestDue({ ...base, status: 'solved' }, NOW)).toBeNull();
    expect(nearestDue({ ...base, status: 'open', resolutionDueAt: null }, NOW)).toBeNull();
  });
});
