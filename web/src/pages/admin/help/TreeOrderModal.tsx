import { Alert, Badge, Group, Modal, Paper, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.ts';
import { localName } from '../../../lib/format.ts';
import { helpArticlesKey, useHelpTree } from './queries.ts';
import { canMove, MoveButtons, movedPositions } from './reorder.tsx';
import type { HelpCategory, HelpSection } from './types.ts';

type Move = { kind: 'category'; id: string; dir: -1 | 1 } | { kind: 'section'; category: HelpCategory; id: string; dir: -1 | 1 };

/** The order of categories, and of the sections inside each, as the public help center lists them. */
export function TreeOrderModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const tree = useHelpTree();
  const queryClient = useQueryClient();
  const categories = tree.data ?? [];
  // These endpoints upsert: send the whole record with its new position.
  const saveCategory = (c: HelpCategory, position: number) => api.post('/help/admin/categories', { id: c.id, slug: c.slug, name: c.name, description: c.description ?? {}, position });
  const saveSection = (s: HelpSection, position: number) => api.post('/help/admin/sections', { id: s.id, categoryId: s.categoryId, slug: s.slug, name: s.name, position });
  const move = useMutation({
    mutationFn: async (m: Move) => {
      if (m.kind === 'category') {
        for (const { item, position } of movedPositions(categories, m.id, m.dir)) await saveCategory(item, position);
      } else {
        for (const { item, position } of movedPositions(m.category.sections, m.id, m.dir)) await saveSection(item, position);
      }
    },
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: ['help-tree'] });
      void queryClient.invalidateQueries({ queryKey: helpArticlesKey });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  const labels = { up: t('admin.help.moveUp'), down: t('admin.help.moveDown') };

  return (
    <Modal opened={opened} onClose={onClose} title={t('admin.help.treeOrder')} size="lg">
      <Text size="sm" c="dimmed" mb="sm">
        {t('admin.help.treeOrderHint')}
      </Text>
      {tree.isError && <Alert color="red">{tree.error.message}</Alert>}
      <Stack gap="xs" data-testid="help-tree-order-list">
        {categories.map((c) => (
          <Paper key={c.id} withBorder p="xs" data-testid="help-tree-category" data-slug={c.slug}>
            <Group gap="xs" wrap="nowrap">
              <MoveButtons up={canMove(categories, c.id, -1)} down={canMove(categories, c.id, 1)} busy={move.isPending} onMove={(dir) => move.mutate({ kind: 'category', id: c.id, dir })} labels={labels} testId="help-tree-category-move" />
              <Text fw={600} size="sm">
                {localName(c.name, lang)}
              </Text>
              <Text size="xs" c="dimmed" ff="monospace">
                {c.slug}
              </Text>
            </Group>
            <Stack gap={2} mt={4} pl={36}>
              {c.sections.map((s) => (
                <Group key={s.id} gap="xs" wrap="nowrap" data-testid="help-tree-section" data-slug={s.slug}>
                  <MoveButtons
                    up={canMove(c.sections, s.id, -1)}
                    down={canMove(c.sections, s.id, 1)}
                    busy={move.isPending}
                    onMove={(dir) => move.mutate({ kind: 'section', category: c, id: s.id, dir })}
                    labels={labels}
                    testId="help-tree-section-move"
                  />
                  <Text size="sm">{localName(s.name, lang)}</Text>
                  <Badge size="xs" variant="light" color="gray">
                    {t('admin.help.publishedCount', { count: s.articles })}
                  </Badge>
                </Group>
              ))}
              {c.sections.length === 0 && (
                <Text size="xs" c="dimmed">
                  {t('admin.help.noSections')}
                </Text>
              )}
            </Stack>
          </Paper>
        ))}
      </Stack>
    </Modal>
  );
}
