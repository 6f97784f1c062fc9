/** Types the web app derives from the shared API schemas (the schemas themselves stay out of the bundle). */
import type { z } from 'zod';
import type { SettingsOut, TeamCreate, TokenOut as TokenOutSchema } from '../../../common/schemas.ts';

export type TokenOut = z.infer<typeof TokenOutSchema>;
export type CreatedToken = TokenOut & { token: string };
export type SettingsOut = z.infer<typeof SettingsOut>;
export type TeamCreate = z.input<typeof TeamCreate>;

/** A list endpoint's answer. */
export interface Items<T> {
  items: T[];
}
/** A paged list endpoint's answer. */
export interface Paged<T> {
  items: T[];
  nextCursor: string | null;
}
