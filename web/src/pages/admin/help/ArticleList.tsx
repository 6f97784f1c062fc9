import { useMemo, useState } from 'react';
import { Alert, Badge, Button, Card, Group, Modal, Select, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.ts';
import { movedPositions, canMove, byPosition, MoveButtons } from './reorder.tsx';
import { TreeOrderModal } from './TreeOrderModal.tsx';
import { absoluteTime, localName } from '../../../lib/format.ts';
import { IconPlus, IconSearch } from '../../../components/icons.tsx';
import { helpArticlesKey, useHelpArticles, useHelpTree } from './queries.ts';
import { ARTICLE_TYPES, HELP_LOCALES, type AdminArticle, type ArticleType, type HelpCategory } from './types.ts';

export const TYPE_COLORS: Record<ArticleType, string> = { article: 'blue', faq: 'teal', announcement: 'orange' };

/** The title in the editor's language, else any. */
export function articleTitle(a: AdminArticle, lang: string): string {
  return (a.translations.find((t) => t.locale === lang) ?? a.translations.find((t) => t.locale === 'en') ?? a.translations[0])?.title ?? a.slug;
}

/** Category and section selects (the section list follows the category). */
export function placementOptions(tree: HelpCategory[] | undefined, lang: string, categoryId: string | null) {
  const categories = (tree ?? []).map((c) => ({ value: c.id, label: localName(c.name, lang) }));
  const sections = (tree ?? []).filter((c) => !categoryId || c.id === categoryId).flatMap((c) => c.sections.map((s) => ({ value: s.id, label: categoryId ? localName(s.name, lang) : `${localName(c.name, lang)} › ${localName(s.name, lang)}` })));
  return { categories, sections };
}

export function ArticleList({ onOpen }: { onOpen: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const articles = useHelpArticles();
  const tree = useHelpTree();
  const [categoryId, setCategoryId] = useState<string | null>(null);
  const [sectionId, setSectionId] = useState<string | null>(null);
  const [ordering, setOrdering] = useState(false);
  const queryClient = useQueryClient();
  const [type, setType] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);

  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const c of tree.data ?? []) {
      m.set(c.id, localName(c.name, lang));
      for (const s of c.sections) m.set(s.id, localName(s.name, lang));
    }
    return m;
  }, [tree.data, lang]);

  // Tree order (categories, then sections, as the help center shows them), then position within a section.
  const rank = useMemo(() => {
    const m = new Map<string, number>();
    (tree.data ?? []).forEach((c, i) => {
      m.set(c.id, i);
      c.sections.forEach((s, j) => m.set(s.id, j));
    });
    return m;
  }, [tree.data]);
  const rankOf = (id: string | null) => (id === null ? Number.MAX_SAFE_INTEGER : (rank.get(id) ?? Number.MAX_SAFE_INTEGER - 1));

  const needle = q.trim().toLowerCase();
  const rows = (articles.data ?? [])
    .filter(
      (a) =>
        (!categoryId || a.categoryId === categoryId) &&
        (!sectionId || a.sectionId === sectionId) &&
        (!type || a.type === type) &&
        (!needle || a.slug.includes(needle) || a.translations.some((tr) => tr.title.toLowerCase().includes(needle))),
    )
    .sort((a, b) => rankOf(a.categoryId) - rankOf(b.categoryId) || rankOf(a.sectionId) - rankOf(b.sectionId) || byPosition(a, b));
  const { categories, sections } = placementOptions(tree.data, lang, categoryId);

  // Reordering happens among the articles of one section (or of one category with no section).
  const visible = new Set(rows.map((r) => r.id));
  const siblings = (a: AdminArticle) => (articles.data ?? []).filter((x) => x.categoryId === a.categoryId && x.sectionId === a.sectionId);
  const move = useMutation({
    mutationFn: async ({ article, dir }: { article: AdminArticle; dir: -1 | 1 }) => {
      for (const { item, position } of movedPositions(siblings(article), article.id, dir, visible)) {
        await api.patch(`/help/admin/articles/${item.id}`, { position });
      }
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: helpArticlesKey }),
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Group gap="sm" align="flex-end">
          <TextInput
            label={t('admin.help.searchTitle')}
            leftSection={<IconSearch size={16} />}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            w={260}
            data-testid="help-filter-q"
          />
          <Select
            label={t('admin.help.category')}
            data={categories}
            value={categoryId}
            onChange={(v) => {
              setCategoryId(v);
              setSectionId(null);
            }}
            clearable
            w={200}
            placeholder={t('admin.help.all')}
            data-testid="help-filter-category"
          />
          <Select label={t('admin.help.section')} data={sections} value={sectionId} onChange={setSectionId} clearable searchable w={220} placeholder={t('admin.help.all')} data-testid="help-filter-section" />
          <Select
            label={t('admin.help.type')}
            data={ARTICLE_TYPES.map((v) => ({ value: v, label: t(`admin.help.types.${v}`) }))}
            value={type}
            onChange={setType}
            clearable
            w={170}
            placeholder={t('admin.help.all')}
          />
        </Group>
        <Group gap="sm">
          <Button variant="default" onClick={() => setOrdering(true)} disabled={!tree.data?.length} data-testid="help-tree-order">
            {t('admin.help.treeOrder')}
          </Button>
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="help-new-article">
            {t('admin.help.newArticle')}
          </Button>
        </Group>
      </Group>
      <Card withBorder padding={0}>
        {articles.isError ? (
          <Alert color="red" m="md">
            {articles.error.message}
          </Alert>
        ) : rows.length === 0 ? (
          <Text c="dimmed" p="lg" ta="center">
            {articles.isPending ? t('app.loading') : t('admin.help.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={70} title={t('admin.help.orderHint')}>
                    {t('admin.help.order')}
                  </Table.Th>
                  <Table.Th>{t('admin.help.title')}</Table.Th>
                  <Table.Th w={120}>{t('admin.help.type')}</Table.Th>
                  <Table.Th w={220}>{t('admin.help.placement')}</Table.Th>
                  <Table.Th w={190}>{t('admin.help.languages')}</Table.Th>
                  <Table.Th w={150}>{t('admin.help.updated')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((a) => (
                  <Table.Tr key={a.id} onClick={() => onOpen(a.id)} style={{ cursor: 'pointer' }} data-testid="help-article-row" data-slug={a.slug} data-position={a.position}>
                    <Table.Td>
                      <MoveButtons
                        up={canMove(siblings(a), a.id, -1, visible)}
                        down={canMove(siblings(a), a.id, 1, visible)}
                        busy={move.isPending}
                        onMove={(dir) => move.mutate({ article: a, dir })}
                        labels={{ up: t('admin.help.moveUp'), down: t('admin.help.moveDown') }}
                        testId="help-article-move"
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text fw={500} size="sm">
                        {articleTitle(a, lang)}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {a.slug}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={TYPE_COLORS[a.type]}>
                        {t(`admin.help.types.${a.type}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{a.categoryId ? names.get(a.categoryId) : '—'}</Text>
                      {a.sectionId && (
                        <Text size="xs" c="dimmed">
                          {names.get(a.sectionId)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {HELP_LOCALES.map((l) => {
                          const tr = a.translations.find((x) => x.locale === l);
                          return (
                            <Badge key={l} size="sm" variant={tr?.published ? 'filled' : 'outline'} color={tr ? (tr.published ? 'teal' : 'gray') : 'red'} title={tr ? (tr.published ? t('admin.help.published') : t('admin.help.draft')) : t('admin.help.missing')}>
                              {l} {tr ? `v${tr.version}` : '—'}
                            </Badge>
                          );
                        })}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {absoluteTime(a.updatedAt, lang)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <TreeOrderModal opened={ordering} onClose={() => setOrdering(false)} />
      <CreateArticleModal opened={creating} onClose={() => setCreating(false)} onCreated={onOpen} />
    </Stack>
  );
}

const EMPTY = { slug: '', type: 'article' as ArticleType, categoryId: null as string | null, sectionId: null as string | null, tags: [] as string[], publishedAt: '' };

function CreateArticleModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const { t, i18n } = useTranslation();
  const tree = useHelpTree();
  const queryClient = useQueryClient();
  const [form, setForm] = useState(EMPTY);
  const slugOk = /^[a-z0-9][a-z0-9-]{0,100}$/.test(form.slug);
  const create = useMutation({
    mutationFn: () =>
      api.post<{ id: string }>('/help/admin/articles', {
        slug: form.slug,
        type: form.type,
        categoryId: form.categoryId,
        sectionId: form.sectionId,
        tags: form.tags,
        publishedAt: form.publishedAt ? new Date(form.publishedAt).toISOString() : form.type === 'announcement' ? new Date().toISOString() : null,
      }),
    onSuccess: ({ id }) => {
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
      setForm(EMPTY);
      onClose();
      onCreated(id);
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  const { categories, sections } = placementOptions(tree.data, i18n.language, form.categoryId);

  return (
    <Modal opened={opened} onClose={onClose} title={t('admin.help.newArticle')} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (slugOk) create.mutate();
        }}
      >
        <Stack>
          <TextInput
            label={t('admin.help.slug')}
            description={t('admin.help.slugHint')}
            required
            value={form.slug}
            onChange={(e) => setForm({ ...form, slug: e.currentTarget.value.toLowerCase().replace(/[^a-z0-9-]/g, '-') })}
            error={form.slug && !slugOk ? t('admin.help.slugHint') : undefined}
            styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' } }}
            data-testid="help-create-slug"
          />
          <Select label={t('admin.help.type')} data={ARTICLE_TYPES.map((v) => ({ value: v, label: t(`admin.help.types.${v}`) }))} value={form.type} onChange={(v) => setForm({ ...form, type: (v ?? 'article') as ArticleType })} allowDeselect={false} />
          <Group grow>
            <Select label={t('admin.help.category')} data={categories} value={form.categoryId} onChange={(v) => setForm({ ...form, categoryId: v, sectionId: null })} clearable searchable />
            <Select label={t('admin.help.section')} data={sections} value={form.sectionId} onChange={(v) => setForm({ ...form, sectionId: v })} clearable searchable />
          </Group>
          <TagsInput label={t('admin.help.tags')} value={form.tags} onChange={(tags) => setForm({ ...form, tags })} />
          {form.type === 'announcement' && (
            <TextInput type="datetime-local" label={t('admin.help.publishedAt')} description={t('admin.help.publishedAtHint')} value={form.publishedAt} onChange={(e) => setForm({ ...form, publishedAt: e.currentTarget.value })} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!slugOk} data-testid="help-create-submit">
              {t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
