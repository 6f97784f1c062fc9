import { useQuery } from '@tanstack/react-query';
import { api } from '../../../api.ts';
import type { Items } from '../../../lib/types.ts';
import type { AdminArticle, HelpCategory } from './types.ts';

export const helpArticlesKey = ['help-admin-articles'] as const;

export function useHelpArticles() {
  return useQuery({ queryKey: helpArticlesKey, queryFn: () => api.get<Items<AdminArticle>>('/help/admin/articles'), select: (d) => d.items });
}

export function useHelpTree() {
  return useQuery({ queryKey: ['help-tree'], queryFn: () => api.get<Items<HelpCategory>>('/help/tree'), select: (d) => d.items, staleTime: 60_000 });
}

/** The public page of an article, for "view on site". */
export const publicArticleUrl = (slug: string, locale: string) => `/help/articles/${encodeURIComponent(slug)}?lang=${locale}`;
