/**
 * A small English stemmer for support vocabulary: enough to make withdraw / withdrawals /
 * withdrawing / withdrawn meet, without the surprises of aggressive stemmers.
 */
const IRREGULAR: Record<string, string> = {
  withdrawn: 'withdraw',
  withdrew: 'withdraw',
  lost: 'lose',
  sent: 'send',
  paid: 'pay',
  frozen: 'freez',
  froze: 'freez',
  bought: 'buy',
  sold: 'sell',
  taken: 'take',
  done: 'do',
  went: 'go',
};

export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  // Own keys only: 'constructor' or 'toString' would otherwise find Object.prototype's functions.
  if (Object.hasOwn(IRREGULAR, w)) return IRREGULAR[w]!;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  for (const suffix of ['ational', 'ization', 'fulness', 'iveness', 'ingly', 'ments', 'ment', 'ness', 'ation', 'als', 'al', 'ing', 'edly', 'ed', 'ly', 'er']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      // withdraw+al, deposit+ed: undo a doubled final consonant (stopp → stop).
      if (/([^aeiouslz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  if (w.endsWith('y') && w.length > 3) w = `${w.slice(0, -1)}i`;
  return w;
}
