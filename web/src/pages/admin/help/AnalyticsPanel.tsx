import { useState } from 'react';
import { Alert, Anchor, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../../api.ts';
import { publicArticleUrl } from './queries.ts';
import type { HelpAnalytics } from './types.ts';

const pct = (n: number) => `${Math.round(n * 1000) / 10}%`;

function Stat({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={26} fw={700}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

function Empty() {
  const { t } = useTranslation();
  return (
    <Text c="dimmed" size="sm" p="md" ta="center">
      {t('admin.help.noData')}
    </Text>
  );
}

export function AnalyticsPanel() {
  const { t, i18n } = useTranslation();
  const [days, setDays] = useState('30');
  const data = useQuery({ queryKey: ['help-analytics', days], queryFn: () => api.get<HelpAnalytics>('/help/admin/analytics', { days }) });
  const d = data.data;
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={4}>{t('admin.help.analytics')}</Title>
        <SegmentedControl
          value={days}
          onChange={setDays}
          data={['7', '30', '90'].map((v) => ({ value: v, label: t('admin.help.lastDays', { count: Number(v) }) }))}
        />
      </Group>
      {data.isError && <Alert color="red">{data.error.message}</Alert>}
      {!d ? (
        <Text c="dimmed">{t('app.loading')}</Text>
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, md: 5 }} data-testid="help-deflection">
            <Stat label={t('admin.help.suggested')} value={d.deflection.suggested} hint={t('admin.help.suggestedHint')} />
            <Stat label={t('admin.help.opened')} value={d.deflection.opened} />
            <Stat label={t('admin.help.deflected')} value={d.deflection.deflected} hint={t('admin.help.deflectedHint')} />
            <Stat label={t('admin.help.filed')} value={d.deflection.filed} />
            <Stat label={t('admin.help.deflectionRate')} value={pct(d.deflection.rate)} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder padding={0}>
              <Text fw={600} p="sm">
                {t('admin.help.topSearches')}
              </Text>
              {d.topSearches.length === 0 ? (
                <Empty />
              ) : (
                <Table striped>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('admin.help.query')}</Table.Th>
                      <Table.Th w={70}>{t('admin.help.locale')}</Table.Th>
                      <Table.Th w={80} ta="right">
                        {t('admin.help.count')}
                      </Table.Th>
                      <Table.Th w={90} ta="right">
                        {t('admin.help.avgResults')}
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {d.topSearches.map((s) => (
                      <Table.Tr key={`${s.query}:${s.locale}`}>
                        <Table.Td>{s.query}</Table.Td>
                        <Table.Td>{s.locale}</Table.Td>
                        <Table.Td ta="right">{s.count}</Table.Td>
                        <Table.Td ta="right" c={s.avgResults === 0 ? 'red' : undefined}>
                          {s.avgResults.toFixed(1)}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
            <Card withBorder padding={0}>
              <Text fw={600} p="sm">
                {t('admin.help.noResults')}
              </Text>
              {d.noResults.length === 0 ? (
                <Empty />
              ) : (
                <Table striped data-testid="help-no-results">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('admin.help.query')}</Table.Th>
                      <Table.Th w={70}>{t('admin.help.locale')}</Table.Th>
                      <Table.Th w={80} ta="right">
                        {t('admin.help.count')}
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {d.noResults.map((s) => (
                      <Table.Tr key={`${s.query}:${s.locale}`}>
                        <Table.Td>{s.query}</Table.Td>
                        <Table.Td>{s.locale}</Table.Td>
                        <Table.Td ta="right">{s.count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </Card>
          </SimpleGrid>
          <Card withBorder padding={0}>
            <Text fw={600} p="sm">
              {t('admin.help.articleStats')}
            </Text>
            <Table.ScrollContainer minWidth={600}>
              <Table striped data-testid="help-article-stats">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('admin.help.title')}</Table.Th>
                    <Table.Th w={90} ta="right">
                      {t('admin.help.views')}
                    </Table.Th>
                    <Table.Th w={110} ta="right">
                      {t('admin.help.helpful')}
                    </Table.Th>
                    <Table.Th w={120} ta="right">
                      {t('admin.help.notHelpful')}
                    </Table.Th>
                    <Table.Th w={110} ta="right">
                      {t('admin.help.helpfulRate')}
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {d.articles.map((a) => {
                    const votes = a.helpful + a.notHelpful;
                    return (
                      <Table.Tr key={a.articleId}>
                        <Table.Td>
                          <Anchor href={publicArticleUrl(a.slug, lang)} target="_blank" rel="noopener" size="sm">
                            {a.title ?? a.slug}
                          </Anchor>
                        </Table.Td>
                        <Table.Td ta="right">{a.views}</Table.Td>
                        <Table.Td ta="right">{a.helpful}</Table.Td>
                        <Table.Td ta="right">{a.notHelpful}</Table.Td>
                        <Table.Td ta="right">{votes ? pct(a.helpful / votes) : '—'}</Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        </>
      )}
    </Stack>
  );
}
