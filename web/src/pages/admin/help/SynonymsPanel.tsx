import { useEffect, useState } from 'react';
import { Alert, Button, Card, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.ts';
import type { Items } from '../../../lib/types.ts';

/** One group per line, terms separated by commas (also the Chinese comma and 、). */
export function parseSynonyms(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => [...new Set(line.split(/[,，、]/).map((t) => t.trim()).filter(Boolean))])
    .filter((g) => g.length >= 2);
}

export function SynonymsPanel() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const groups = useQuery({ queryKey: ['help-synonyms'], queryFn: () => api.get<Items<{ id: string; terms: string[] }>>('/help/admin/synonyms'), select: (d) => d.items });
  const [text, setText] = useState('');
  const loaded = groups.data?.map((g) => g.terms.join(', ')).join('\n') ?? '';
  useEffect(() => setText(loaded), [loaded]);
  const parsed = parseSynonyms(text);
  const ignored = text.split('\n').filter((l) => l.trim()).length - parsed.length;
  const save = useMutation({
    mutationFn: () => api.put<{ groups: number }>('/help/admin/synonyms', { groups: parsed }),
    onSuccess: (r) => {
      notifications.show({ color: 'teal', message: t('admin.help.synonymsSaved', { count: r.groups }) });
      void queryClient.invalidateQueries({ queryKey: ['help-synonyms'] });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });
  return (
    <Stack gap="sm" maw={900}>
      <div>
        <Title order={4}>{t('admin.help.synonyms')}</Title>
        <Text size="sm" c="dimmed">
          {t('admin.help.synonymsHint')}
        </Text>
      </div>
      {groups.isError && <Alert color="red">{groups.error.message}</Alert>}
      <Card withBorder>
        <Textarea
          autosize
          minRows={12}
          maxRows={30}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          placeholder={'2FA, 二次验证, 谷歌验证器, authenticator\n提现, 提币, withdraw, withdrawal'}
          styles={{ input: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', fontSize: 13 } }}
          data-testid="help-synonyms-text"
        />
        <Group justify="space-between" mt="sm">
          <Text size="xs" c={ignored > 0 ? 'orange' : 'dimmed'}>
            {t('admin.help.synonymsCount', { count: parsed.length })}
            {ignored > 0 ? ` · ${t('admin.help.synonymsIgnored', { count: ignored })}` : ''}
          </Text>
          <Button onClick={() => save.mutate()} loading={save.isPending} disabled={text === loaded} data-testid="help-synonyms-save">
            {t('app.save')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}
