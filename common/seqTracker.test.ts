import { describe, expect, it } from 'vitest';
import { createSeqTracker } from './seqTracker.ts';

describe('seqTracker', () => {
  it('resumes from the highest contiguous seq when an ack for N+1 came before the push of N', () => {
    const t = createSeqTracker();
    t.caughtUp(0, [1, 2, 3]);
    expect(t.contiguous).toBe(3);
    // My own message was stored as 5 and its ack arrived; the push of 4 (someone else's) had not.
    t.received(5);
    expect(t.highest).toBe(5);
    expect(t.contiguous).toBe(3);
    // The process died; the client re-joins: it is behind and catches up from 3, so 4 comes.
    expect(t.behind(5)).toBe(true);
    t.caughtUp(3, [4, 5]);
    expect(t.contiguous).toBe(5);
    expect(t.behind(5)).toBe(false);
  });

  it('calls a push beyond contiguous + 1 a gap, and the next one in line not', () => {
    const t = createSeqTracker();
    t.caughtUp(0, [1]);
    expect(t.received(2)).toBe(false);
    expect(t.received(4)).toBe(true);
    expect(t.contiguous).toBe(2);
    // The missing one arrives late: everything held after it joins the contiguous run.
    expect(t.received(3)).toBe(false);
    expect(t.contiguous).toBe(4);
    expect(t.received(5)).toBe(false);
    expect(t.contiguous).toBe(5);
  });

  it('does not move for a push it already has', () => {
    const t = createSeqTracker();
    t.caughtUp(0, [1, 2]);
    expect(t.has(2)).toBe(true);
    expect(t.received(2)).toBe(false);
    expect(t.contiguous).toBe(2);
    expect(t.has(3)).toBe(false);
  });

  it('trusts a catch-up answer for the holes it skips (a customer never receives private notes)', () => {
    const t = createSeqTracker();
    // Seq 2 and 4 are notes: the customer's catch-up answers 1, 3, 5.
    t.caughtUp(0, [1, 3, 5]);
    expect(t.contiguous).toBe(5);
    // A push after a note is a gap to this client until a catch-up vouches for the hole.
    expect(t.received(7)).toBe(true);
    t.caughtUp(5, [7]);
    expect(t.contiguous).toBe(7);
    expect(t.received(8)).toBe(false);
  });

  it('takes the lastSeq known before the request when the answer was complete, not when a page was full', () => {
    const complete = createSeqTracker();
    // The join ack said 6; the catch-up after it returned 5 only (6 is a note).
    complete.caughtUp(0, [1, 2, 3, 4, 5], { lastSeq: 6, more: false });
    expect(complete.contiguous).toBe(6);
    expect(complete.behind(6)).toBe(false);

    const paged = createSeqTracker();
    paged.caughtUp(0, [1, 2, 3], { lastSeq: 10, more: true });
    expect(paged.contiguous).toBe(3);
    expect(paged.behind(10)).toBe(true);
  });

  it('lets an answer vouch only for what comes after the position it was asked from', () => {
    const t = createSeqTracker();
    t.caughtUp(0, [1, 2]);
    // An answer asked from 4 (not our position) says nothing about 3.
    t.caughtUp(4, [5, 6]);
    expect(t.contiguous).toBe(2);
    expect(t.highest).toBe(6);
    // An answer asked from 2 that stops at 3 vouches for 3, not for 4.
    t.caughtUp(2, [3]);
    expect(t.contiguous).toBe(3);
    t.caughtUp(3, [4]);
    expect(t.contiguous).toBe(6);
    // An older answer (asked from further back) arriving late does not move anything back.
    t.caughtUp(0, [1, 2]);
    expect(t.contiguous).toBe(6);
  });

  it('never claims a seq it has not seen: any order of arrival ends contiguous at the first missing seq', () => {
    for (let round = 0; round < 200; round++) {
      const t = createSeqTracker();
      const all = Array.from({ length: 20 }, (_, i) => i + 1);
      const missing = 1 + Math.floor(Math.random() * 20);
      const arrived = all.filter((s) => s !== missing).sort(() => Math.random() - 0.5);
      for (const seq of arrived) t.received(seq);
      expect(t.contiguous).toBe(missing - 1);
      expect(t.behind(20)).toBe(true);
      t.received(missing);
      expect(t.contiguous).toBe(20);
    }
  });

  it('ignores seqs that cannot exist', () => {
    const t = createSeqTracker();
    t.received(0);
    t.received(-1);
    t.received(Number.NaN);
    expect(t.contiguous).toBe(0);
    expect(t.highest).toBe(0);
  });
});
