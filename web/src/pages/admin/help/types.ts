/** Shapes of the help center editor API (/api/v1/help/admin/*, /api/v1/help/tree). */

export const HELP_LOCALES = ['en', 'zh-CN'] as const;
export type HelpLocale = (typeof HELP_LOCALES)[number];
export const ARTICLE_TYPES = ['article', 'faq', 'announcement'] as const;
export type ArticleType = (typeof ARTICLE_TYPES)[number];

export interface AdminTranslation {
  locale: string;
  title: string;
  body: string;
  published: boolean;
  version: number;
  updatedAt: string;
}

export interface AdminArticle {
  id: string;
  slug: string;
  type: ArticleType;
  categoryId: string | null;
  sectionId: string | null;
  tags: string[];
  position: number;
  publishedAt: string | null;
  updatedAt: string;
  translations: AdminTranslation[];
}

export interface HelpSection {
  id: string;
  categoryId: string;
  slug: string;
  name: Record<string, string>;
  position: number;
  articles: number;
}

export interface HelpCategory {
  id: string;
  slug: string;
  name: Record<string, string>;
  description: Record<string, string>;
  position: number;
  sections: HelpSection[];
}

export interface ArticleVersion {
  version: number;
  title: string;
  body: string;
  createdById: string | null;
  createdAt: string;
}

export interface HelpAnalytics {
  days: number;
  topSearches: { query: string; locale: string; count: number; avgResults: number }[];
  noResults: { query: string; locale: string; count: number }[];
  deflection: { suggested: number; opened: number; deflected: number; filed: number; rate: number };
  articles: { articleId: string; slug: string; title: string; views: number; helpful: number; notHelpful: number }[];
}
