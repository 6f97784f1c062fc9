import { Tabs } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { AnalyticsPanel } from './help/AnalyticsPanel.tsx';
import { ArticleEditor } from './help/ArticleEditor.tsx';
import { ArticleList } from './help/ArticleList.tsx';
import { SynonymsPanel } from './help/SynonymsPanel.tsx';

const VIEWS = ['articles', 'synonyms', 'analytics'] as const;
type View = (typeof VIEWS)[number];

/** The help center editor: articles (side-by-side translations), search synonyms, analytics. */
export function HelpCenterTab() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const view: View = VIEWS.includes(params.get('view') as View) ? (params.get('view') as View) : 'articles';
  const articleId = params.get('article');

  const go = (next: Record<string, string | null>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null) p.delete(k);
      else p.set(k, v);
    }
    setParams(p);
  };

  return (
    <Tabs variant="pills" value={view} onChange={(v) => v && go({ view: v === 'articles' ? null : v, article: null })} keepMounted={false}>
      <Tabs.List mb="md">
        {VIEWS.map((v) => (
          <Tabs.Tab key={v} value={v} data-testid={`help-view-${v}`}>
            {t(`admin.help.subtabs.${v}`)}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      <Tabs.Panel value="articles">
        {articleId ? <ArticleEditor id={articleId} onClose={() => go({ article: null })} /> : <ArticleList onOpen={(id) => go({ article: id })} />}
      </Tabs.Panel>
      <Tabs.Panel value="synonyms">
        <SynonymsPanel />
      </Tabs.Panel>
      <Tabs.Panel value="analytics">
        <AnalyticsPanel />
      </Tabs.Panel>
    </Tabs>
  );
}
