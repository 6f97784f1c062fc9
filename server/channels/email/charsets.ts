/**
 * Chinese mail labelled GB2312 (or GBK) routinely carries characters outside it: GBK ones such as
 * 镕 from every Windows client, and GB18030 ones (𠀀, 䶮, rare name characters) from newer ones.
 * Node's TextDecoder('gbk') and iconv-lite's GBK both turn the GB18030 four-byte sequences into
 * U+FFFD, and GB18030 decodes every GB2312 and GBK byte sequence to the same characters, so
 * every GB-family label is read as GB18030.
 */

// Labels (WHATWG and IANA aliases) that mean "some GB2312 superset" in practice.
const gbLabels = 'gb2312|gb_2312-80|gb_2312|csgb2312|csiso58gb231280|iso-ir-58|chinese|x-gbk|gbk|cp936|ms936|windows-936|x-euc-cn|euc-cn';
// Where a charset name stands in a message: a Content-Type parameter, an encoded word, an
// RFC 2231 extended parameter. The label must end there (a quote, ?, ', *, ; or space).
const labelPlace = new RegExp(`(charset\\s*=\\s*"?|=\\?|\\*=\\s*"?)(?:${gbLabels})(?=["'?*;\\s]|$)`, 'gim');
const anyLabel = new RegExp(gbLabels.replace(/\|(?:chinese|iso-ir-58)/g, ''), 'i');

/** The raw message with every GB-family charset label rewritten to GB18030 (the bytes of every part unchanged). */
export function relabelChineseCharsets(raw: Buffer): Buffer {
  // latin1 maps each byte to one UTF-16 unit and back, so no byte is altered by the round trip.
  const text = raw.toString('latin1');
  if (!anyLabel.test(text) && !/chinese|iso-ir-58/i.test(text)) return raw;
  labelPlace.lastIndex = 0;
  const relabelled = text.replace(labelPlace, (_m, place: string) => `${place}gb18030`);
  return relabelled === text ? raw : Buffer.from(relabelled, 'latin1');
}
