/**
 * Which messages of one conversation a client holds, by seq, and where its next catch-up starts.
 *
 * Invariant: `contiguous` is a seq below which the client is missing nothing it may see — every
 * seq up to it is held or known to be invisible to this client (a customer never receives private
 * notes, so their seqs are holes that only a catch-up answer can vouch for). It is never simply
 * the highest seq held: an ack for N+1 can arrive before the push of N, and a client that then
 * resumed from N+1 would never get N. Catch up with `?afterSeq=<contiguous>`.
 *
 * Pure (no I/O, no timers) so the web app, the widget and any other client share it and it can be
 * tested on its own. The protocol is in docs/realtime.md.
 */
export interface SeqTracker {
  /** Every visible seq up to this one is held: the `afterSeq` of the next catch-up. */
  readonly contiguous: number;
  /** The highest seq held (what is on screen last), 0 when none. */
  readonly highest: number;
  /** Whether this seq is held (drop a push you already have). */
  has(seq: number): boolean;
  /**
   * A message arrived outside a catch-up (a push or an ack). True when it shows a gap: something
   * between `contiguous` and it is missing, so the client should catch up now.
   */
  received(seq: number): boolean;
  /**
   * The answer of `GET …/messages?afterSeq=<afterSeq>`: the seqs it held, in any order. The server
   * returns every message this client may see after afterSeq, oldest first, up to the page limit,
   * so everything visible up to the highest returned seq is now known. `lastSeq` (the
   * conversation's position learned before the request was sent, e.g. from the join ack) extends
   * that to lastSeq when the answer was not a full page (`more: false`).
   */
  caughtUp(afterSeq: number, seqs: number[], options?: { lastSeq?: number; more?: boolean }): void;
  /** The server says the conversation is at lastSeq (the join ack): true when a catch-up is needed. */
  behind(lastSeq: number): boolean;
}

export function createSeqTracker(): SeqTracker {
  const held = new Set<number>();
  let contiguous = 0;
  let highest = 0;
  /** Moves `contiguous` over every held seq that directly follows it. */
  const advance = () => {
    while (held.has(contiguous + 1)) contiguous += 1;
  };
  const hold = (seq: number) => {
    if (!Number.isSafeInteger(seq) || seq < 1) return;
    held.add(seq);
    if (seq > highest) highest = seq;
  };
  return {
    get contiguous() {
      return contiguous;
    },
    get highest() {
      return highest;
    },
    has: (seq) => held.has(seq),
    received(seq) {
      hold(seq);
      advance();
      // Still beyond contiguous after advancing: the seq right after contiguous is missing.
      return seq > contiguous;
    },
    caughtUp(afterSeq, seqs, options = {}) {
      for (const seq of seqs) hold(seq);
      // An answer only vouches for what comes after the position it was asked from; a request made
      // from further back than we stand now vouches for at least as much.
      if (afterSeq <= contiguous) {
        let through = seqs.reduce((max, seq) => Math.max(max, seq), afterSeq);
        if (!options.more && options.lastSeq !== undefined) through = Math.max(through, options.lastSeq);
        if (through > contiguous) contiguous = through;
      }
      advance();
    },
    behind(lastSeq) {
      return lastSeq > contiguous;
    },
  };
}
