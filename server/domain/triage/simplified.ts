/**
 * Traditional → Simplified for the characters of support vocabulary (提幣 → 提币, 到賬 → 到账,
 * 訂單 → 订单 …), so a Traditional message finds categories and words written in Simplified.
 * A focused table, not a full converter: a character missing here only makes a match less likely.
 * (opencc-js is the complete converter if the desk ever needs one.)
 */
const PAIRS =
  '幣币賬账帳账戶户號号單单訂订題题問问錢钱額额現现貨货錄录驗验證证認认資资鏈链強强約约倉仓網网絡络遲迟敗败處处沒没還还請请幫帮詢询會会員员碼码鑰钥' +
  '權权凍冻結结盜盗餘余轉转發发頁页開开關关點点時时間间這这個个們们說说為为麼么裡里後后來来過过對对應应嗎吗當当從从進进連连線线實实歸归筆笔價价設设' +
  '護护腦脑機机電电話话郵邮務务報报數数據据統统場场際际風风險险審审續续費费換换買买賣卖虧亏損损槓杠桿杆錯错誤误顯显狀状態态聯联訊讯雙双綁绑複复異异' +
  '竊窃騙骗釣钓魚鱼鎖锁協协議议臺台灣湾萬万億亿無无補补償偿順顺參参與与產产隱隐備备變变動动註注冊册啟启撥拨幾几於于總总';

const MAP = new Map<string, string>();
for (let i = 0; i < PAIRS.length; i += 2) MAP.set(PAIRS[i]!, PAIRS[i + 1]!);
const TRADITIONAL = new RegExp(`[${[...MAP.keys()].join('')}]`, 'g');

/** The text with the Traditional characters of the table replaced by their Simplified forms. */
export const toSimplified = (text: string) => text.replace(TRADITIONAL, (c) => MAP.get(c)!);
