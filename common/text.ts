import { z } from 'zod';

/**
 * Bidirectional-text controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069),
 * the LTR/RTL marks (U+200E, U+200F) and the Arabic letter mark (U+061C). In a name, subject or
 * file name they make text display reversed — "invoice\u202Egnp.exe" shows as "invoiceexe.png" —
 * which is how a file or message is dressed up as something else. Chinese and English text never
 * needs them, so they are removed wherever such text comes in.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** The text without bidirectional controls. */
export const stripBidi = (text: string) => text.replace(BIDI_CONTROLS, '');

/** A string field that drops bidirectional controls before any trim or length check. */
export const plainText = () => z.string().overwrite(stripBidi);
