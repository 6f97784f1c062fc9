import { useMemo, useRef, useState, type ClipboardEvent, type DragEvent } from 'react';
import MarkdownIt from 'markdown-it';
import { Alert, Anchor, Badge, Button, Card, Drawer, Group, Paper, Select, SimpleGrid, Stack, Switch, TagsInput, Text, TextInput, Textarea, Title, Typography } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../../api.ts';
import { IconPhoto } from './reorder.tsx';
import { absoluteTime } from '../../../lib/format.ts';
import type { Items } from '../../../lib/types.ts';
import { ConfirmModal } from '../../../components/ConfirmModal.tsx';
import { IconArrowLeft, IconList } from '../../../components/icons.tsx';
import { articleTitle, placementOptions, TYPE_COLORS } from './ArticleList.tsx';
import { helpArticlesKey, publicArticleUrl, useHelpArticles, useHelpTree } from './queries.ts';
import { ARTICLE_TYPES, HELP_LOCALES, type AdminArticle, type AdminTranslation, type ArticleType, type ArticleVersion, type HelpLocale } from './types.ts';

// The same markdown rules as the server (raw HTML off); the server sanitises again when it publishes.
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });
// Uploaded images keep to the preview's width.
const renderImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('style', 'max-width:100%;height:auto');
  return renderImage(tokens, idx, options, env, self);
};

/** `![name](url)`; brackets in a file name would end the alt text early. */
const imageMarkdown = (name: string, url: string) => `![${name.replace(/[[\]\\]/g, '\\$&')}](${url})`;

const imageFiles = (list: FileList | null | undefined) => Array.from(list ?? []).filter((f) => f.type.startsWith('image/'));

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
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(0);
  const [imageError, setImageError] = useState<string | null>(null);

  /** Uploads each file and inserts its markdown where the cursor was when the upload started. */
  const insertImages = async (files: File[]) => {
    if (files.length === 0) return;
    const el = bodyRef.current;
    let at = el ? el.selectionEnd : body.length;
    setImageError(null);
    setUploading((n) => n + files.length);
    for (const file of files) {
      try {
        const form = new FormData();
        form.append('file', file, file.name);
        const { url } = await api.upload<{ id: string; url: string }>('/help/admin/images', form);
        const snippet = imageMarkdown(file.name || 'image', url);
        const pos = at;
        setBody((prev) => {
          const p = Math.min(pos, prev.length);
          return prev.slice(0, p) + snippet + prev.slice(p);
        });
        at += snippet.length;
        requestAnimationFrame(() => {
          bodyRef.current?.focus();
          bodyRef.current?.setSelectionRange(at, at);
        });
      } catch (err) {
        const status = err instanceof ApiError ? err.status : 0;
        const message =
          status === 413 ? t('admin.help.imageTooLarge', { name: file.name }) : status === 415 ? t('admin.help.imageNotImage', { name: file.name }) : t('admin.help.imageFailed', { name: file.name, message: (err as Error).message });
        setImageError(message);
        notifications.show({ color: 'red', title: t('admin.help.imageUploadFailed'), message });
      } finally {
        setUploading((n) => n - 1);
      }
    }
  };
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = imageFiles(e.clipboardData?.files);
    if (files.length === 0) return; // ordinary text paste
    e.preventDefault();
    void insertImages(files);
  };
  const onDrop = (e: DragEvent<HTMLTextAreaElement>) => {
    if (!e.dataTransfer?.files?.length) return; // dragged text
    e.preventDefault();
    // Anything dropped as a file goes to the server, which says clearly if it is not an image.
    void insertImages(Array.from(e.dataTransfer.files));
  };
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
          onChange={(e) => {
            setBody(e.currentTarget.value);
            if (imageError) setImageError(null);
          }}
          ref={bodyRef}
          onPaste={onPaste}
          onDrop={onDrop}
          onDragOver={(e) => {
            if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
          }}
          styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13 } }}
          data-testid={`help-body-${locale}`}
        />
        <Group gap="xs" mt={-4}>
          <Button size="xs" variant="default" leftSection={<IconPhoto size={14} />} loading={uploading > 0} onClick={() => fileRef.current?.click()} data-testid={`help-insert-image-${locale}`}>
            {t('admin.help.insertImage')}
          </Button>
          {imageError ? (
            <Text size="xs" c="red" fw={500} role="alert" data-testid={`help-image-error-${locale}`}>
              {imageError}
            </Text>
          ) : (
            <Text size="xs" c="dimmed">
              {t('admin.help.insertImageHint')}
            </Text>
          )}
          <input
            ref={fileRef}
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp,image/*"
            multiple
            hidden
            onChange={(e) => {
              const files = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              void insertImages(files);
            }}
            data-testid={`help-image-input-${locale}`}
          />
        </Group>
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
