import { detect } from 'tinyld';
import { LOCALES } from '../../../common/enums.ts';

/** Only this much of a message is read: the language shows in its first lines, and a huge mail must cost no more than a short one. */
const SAMPLE = 4000;
/** A Han character carries about as much as a short Latin word: counted this many letters' worth when weighing scripts. */
const HAN_WEIGHT = 3;
/** Share of the (weighted) letters that are Han above which the text is Chinese, whatever tinyld says. */
const HAN_SHARE = 0.25;

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
const KANA = /[\u3040-\u30ff]/;
const LATIN = /[A-Za-z]/g;

/**
 * The desk language a customer most likely wrote in, for a conversation whose language nobody chose.
 * Chinese is decided by the share of Han characters first: tinyld mislabels short mixed text
 * ("USDT 提币 TRC20 多久到账" → Danish), and an English signature or ticker does not make a Chinese
 * mail English. Traditional characters count as Chinese too: zh-CN is the desk's one Chinese locale.
 * Kana means Japanese (it uses Han too), which tinyld names. A language the desk does not
 * support falls back to English, which every desk speaks.
 *
 * tinyld costs about 3 ms on a short paragraph, so it runs only when the desk supports a language
 * besides English and Chinese: with en and zh-CN alone, text that is not Chinese is English anyway.
 */
export function languageDetector(text: string, locales: readonly string[] = LOCALES): string {
  const sample = text.slice(0, SAMPLE);
  const han = sample.match(HAN)?.length ?? 0;
  if (han >= 2 && !KANA.test(sample)) {
    const latin = sample.match(LATIN)?.length ?? 0;
    if ((han * HAN_WEIGHT) / (han * HAN_WEIGHT + latin) >= HAN_SHARE) return 'zh-CN';
  }
  if (!locales.some((l) => !['en', 'zh'].includes(base(l)))) return 'en';
  const code = detect(sample);
  if (!code) return 'en';
  return locales.find((l) => l === code || base(l) === code) ?? 'en';
}

const base = (locale: string) => locale.split('-')[0]!;
