import { useMemo, useState } from 'react';
import MarkdownIt from 'markdown-it';
import { Alert, Anchor, Badge, Button, Card, Drawer, Group, Paper, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Textarea, Title, Typography } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.ts';
import { absoluteTime } from '../../../lib/format.ts';
import type { Items } from '../../../lib/types.ts';
import { ConfirmModal } from '../../../components/ConfirmModal.tsx';
import { IconArrowLeft, IconList } from '../../../components/icons.tsx';
import { articleTitle, placementOptions, TYPE_COLORS } from './ArticleList.tsx';
import { helpArticlesKey, publicArticleUrl, useHelpArticles, useHelpTree } from './queries.ts';
import { ARTICLE_TYPES, HELP_LOCALES, type AdminArticle, type AdminTranslation, type ArticleType, type ArticleVersion, type HelpLocale } from './types.ts';

// The same markdown rules as the server (raw HTML off); the server sanitises again when it publishes.
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });

/** Local date-time for <input type="datetime-local">. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ArticleEditor({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const articles = useHelpArticles();
  const article = articles.data?.find((a) => a.id === id);
  const [deleting, setDeleting] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.delete(`/help/admin/articles/${id}`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
      notifications.show({ color: 'teal', message: t('admin.help.deleted') });
      onClose();
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  if (articles.isPending) return <Text c="dimmed">{t('app.loading')}</Text>;
  if (!article) {
    return (
      <Alert color="gray" title={t('admin.help.notFound')}>
        <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={onClose}>
          {t('admin.help.back')}
        </Button>
      </Alert>
    );
  }

  return (
    <Stack gap="md" data-testid="help-editor" data-article={article.slug}>
      <Group justify="space-between">
        <Group gap="sm">
          <Button variant="subtle" leftSection={<IconArrowLeft size={16} />} onClick={onClose} data-testid="help-editor-back">
            {t('admin.help.back')}
          </Button>
          <Title order={4}>{articleTitle(article, i18n.language)}</Title>
          <Badge variant="light" color={TYPE_COLORS[article.type]}>
            {t(`admin.help.types.${article.type}`)}
          </Badge>
        </Group>
        <Group gap="sm">
          <Anchor href={publicArticleUrl(article.slug, i18n.language === 'zh-CN' ? 'zh-CN' : 'en')} target="_blank" rel="noopener" size="sm">
            {t('admin.help.viewOnSite')}
          </Anchor>
          <Button variant="light" color="red" onClick={() => setDeleting(true)} data-testid="help-delete">
            {t('admin.help.delete')}
          </Button>
        </Group>
      </Group>
      <MetaCard key={article.updatedAt} article={article} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        {HELP_LOCALES.map((locale) => {
          const tr = article.translations.find((x) => x.locale === locale);
          // Remount after a save or restore so the fields show what the server now holds.
          return <TranslationEditor key={`${locale}:${tr?.version ?? 0}:${tr?.published ?? ''}`} articleId={article.id} slug={article.slug} locale={locale} translation={tr} />;
        })}
      </SimpleGrid>
      <ConfirmModal
        opened={deleting}
        message={t('admin.help.deleteConfirm', { title: articleTitle(article, i18n.language) })}
        confirmLabel={t('admin.help.delete')}
        loading={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setDeleting(false)}
      />
    </Stack>
  );
}

/** Slug, type, placement, tags and date of an article. */
function MetaCard({ article }: { article: AdminArticle }) {
  const { t, i18n } = useTranslation();
  const tree = useHelpTree();
  const queryClient = useQueryClient();
  const initial = { slug: article.slug, type: article.type, categoryId: article.categoryId, sectionId: article.sectionId, tags: article.tags, publishedAt: toLocalInput(article.publishedAt) };
  const [form, setForm] = useState(initial);
  const dirty = JSON.stringify(form) !== JSON.stringify(initial);
  const save = useMutation({
    mutationFn: () => api.patch(`/help/admin/articles/${article.id}`, { ...form, publishedAt: form.publishedAt ? new Date(form.publishedAt).toISOString() : null }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
      notifications.show({ color: 'teal', message: t('app.saved') });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  const { categories, sections } = placementOptions(tree.data, i18n.language, form.categoryId);
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 6 }} spacing="sm">
        <TextInput label={t('admin.help.slug')} value={form.slug} onChange={(e) => setForm({ ...form, slug: e.currentTarget.value })} styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' } }} />
        <Select label={t('admin.help.type')} data={ARTICLE_TYPES.map((v) => ({ value: v, label: t(`admin.help.types.${v}`) }))} value={form.type} onChange={(v) => setForm({ ...form, type: (v ?? 'article') as ArticleType })} allowDeselect={false} />
        <Select label={t('admin.help.category')} data={categories} value={form.categoryId} onChange={(v) => setForm({ ...form, categoryId: v, sectionId: null })} clearable searchable />
        <Select label={t('admin.help.section')} data={sections} value={form.sectionId} onChange={(v) => setForm({ ...form, sectionId: v })} clearable searchable />
        <TagsInput label={t('admin.help.tags')} value={form.tags} onChange={(tags) => setForm({ ...form, tags })} />
        <TextInput type="datetime-local" label={t('admin.help.publishedAt')} value={form.publishedAt} onChange={(e) => setForm({ ...form, publishedAt: e.currentTarget.value })} />
      </SimpleGrid>
      <Group justify="flex-end" mt="sm">
        <Button size="xs" variant={dirty ? 'filled' : 'default'} disabled={!dirty} loading={save.isPending} onClick={() => save.mutate()} data-testid="help-meta-save">
          {t('admin.help.saveDetails')}
        </Button>
      </Group>
    </Card>
  );
}

const LOCALE_NAMES: Record<HelpLocale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** One language: title, markdown with a live preview, published switch, save, history. */
function TranslationEditor({ articleId, slug, locale, translation }: { articleId: string; slug: string; locale: HelpLocale; translation?: AdminTranslation }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState(translation?.title ?? '');
  const [body, setBody] = useState(translation?.body ?? '');
  const [published, setPublished] = useState(translation?.published ?? false);
  const [history, setHistory] = useState(false);
  const dirty = title !== (translation?.title ?? '') || body !== (translation?.body ?? '') || published !== (translation?.published ?? false);
  const preview = useMemo(() => md.render(body), [body]);
  const save = useMutation({
    mutationFn: () => api.put<{ version: number; published: boolean }>(`/help/admin/articles/${articleId}/translations/${locale}`, { title: title.trim(), body, published }),
    onSuccess: (r) => {
      notifications.show({ color: 'teal', message: t('admin.help.savedVersion', { version: r.version }) });
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  return (
    <Card withBorder padding="md" data-testid={`help-translation-${locale}`} lang={locale}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs">
            <Text fw={700}>{LOCALE_NAMES[locale]}</Text>
            {translation ? (
              <Badge variant="light" data-testid={`help-version-${locale}`}>
                v{translation.version}
              </Badge>
            ) : (
              <Badge variant="outline" color="red">
                {t('admin.help.missing')}
              </Badge>
            )}
            {dirty && (
              <Badge variant="dot" color="orange">
                {t('admin.help.unsaved')}
              </Badge>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Switch label={t('admin.help.published')} checked={published} onChange={(e) => setPublished(e.currentTarget.checked)} data-testid={`help-published-${locale}`} />
            {translation && (
              <Button size="xs" variant="default" leftSection={<IconList size={14} />} onClick={() => setHistory(true)} data-testid={`help-history-${locale}`}>
                {t('admin.help.history')}
              </Button>
            )}
          </Group>
        </Group>
        <TextInput label={t('admin.help.title')} value={title} onChange={(e) => setTitle(e.currentTarget.value)} maxLength={300} data-testid={`help-title-${locale}`} />
        <Textarea
          label={t('admin.help.body')}
          description={t('admin.help.bodyHint')}
          autosize
          minRows={10}
          maxRows={24}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13 } }}
          data-testid={`help-body-${locale}`}
        />
        <div>
          <Text size="sm" fw={500} mb={4}>
            {t('admin.help.preview')}
          </Text>
          <Paper withBorder p="sm" radius="sm" bg="var(--mantine-color-gray-0)" mah={480} style={{ overflow: 'auto' }}>
            {body.trim() ? (
              <Typography>
                <h2 style={{ marginTop: 0 }}>{title}</h2>
                {/* markdown-it with html:false escapes raw HTML; only markdown becomes markup. */}
                <div dangerouslySetInnerHTML={{ __html: preview }} data-testid={`help-preview-${locale}`} />
              </Typography>
            ) : (
              <Text c="dimmed" size="sm">
                {t('admin.help.previewEmpty')}
              </Text>
            )}
          </Paper>
        </div>
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            {translation ? t('admin.help.lastSaved', { time: absoluteTime(translation.updatedAt, i18n.language) }) : ''}
          </Text>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!title.trim() || (!dirty && !!translation)} data-testid={`help-save-${locale}`}>
            {t('app.save')}
          </Button>
        </Group>
      </Stack>
      {translation && <VersionsDrawer opened={history} onClose={() => setHistory(false)} articleId={articleId} slug={slug} locale={locale} current={translation.version} />}
    </Card>
  );
}

function VersionsDrawer({ opened, onClose, articleId, slug, locale, current }: { opened: boolean; onClose: () => void; articleId: string; slug: string; locale: HelpLocale; current: number }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<number | null>(null);
  const versions = useQuery({
    queryKey: ['help-versions', articleId, locale, current],
    queryFn: () => api.get<Items<ArticleVersion>>(`/help/admin/articles/${articleId}/translations/${locale}/versions`),
    select: (d) => d.items,
    enabled: opened,
  });
  const restore = useMutation({
    mutationFn: (version: number) => api.post<{ version: number }>(`/help/admin/articles/${articleId}/translations/${locale}/versions/${version}/restore`),
    onSuccess: (r) => {
      notifications.show({ color: 'teal', message: t('admin.help.restored', { version: r.version }) });
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
      onClose();
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="lg" title={`${t('admin.help.history')} · ${slug} · ${LOCALE_NAMES[locale]}`}>
      {versions.isError && <Alert color="red">{versions.error.message}</Alert>}
      <Stack gap="xs">
        {versions.data?.map((v) => (
          <Card key={v.version} withBorder padding="sm" data-testid="help-version-row">
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Group gap="xs">
                  <Badge variant={v.version === current ? 'filled' : 'light'}>v{v.version}</Badge>
                  <Text size="sm" fw={500} lineClamp={1}>
                    {v.title}
                  </Text>
                </Group>
                <Text size="xs" c="dimmed">
                  {absoluteTime(v.createdAt, i18n.language)}
                </Text>
              </div>
              <Group gap={4} wrap="nowrap">
                <Button size="compact-xs" variant="subtle" onClick={() => setOpen(open === v.version ? null : v.version)}>
                  {open === v.version ? t('app.close') : t('admin.help.show')}
                </Button>
                {v.version !== current && (
                  <Button size="compact-xs" variant="light" loading={restore.isPending && restore.variables === v.version} onClick={() => restore.mutate(v.version)} data-testid="help-version-restore">
                    {t('admin.help.restore')}
                  </Button>
                )}
              </Group>
            </Group>
            {open === v.version && (
              <Text size="xs" mt="xs" ff="monospace" style={{ whiteSpace: 'pre-wrap', overflow: 'auto' }} mah={300}>
                {v.body}
              </Text>
            )}
          </Card>
        ))}
      </Stack>
    </Drawer>
  );
}
