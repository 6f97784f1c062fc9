import { Alert, Stack, Tabs, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams } from 'react-router-dom';
import { useMe } from '../../queries.ts';
import { IconInbox, IconKey, IconList, IconMessages, IconNote, IconRosetteCheck, IconSettings, IconUser, IconUsers } from '../../components/icons.tsx';
import { AgentsTab } from './AgentsTab.tsx';
import { TeamsTab } from './TeamsTab.tsx';
import { SettingsTab } from './SettingsTab.tsx';
import { OfficialChannelsTab } from './OfficialChannelsTab.tsx';
import { TokensTab } from './TokensTab.tsx';
import { AuditTab } from './AuditTab.tsx';
import { OutboxTab } from './OutboxTab.tsx';
import { RepliesTab } from './RepliesTab.tsx';
import { HelpCenterTab } from './HelpCenterTab.tsx';
import { ChannelsTab } from './ChannelsTab.tsx';

const TABS = ['agents', 'teams', 'replies', 'help', 'settings', 'inboxes', 'channels', 'tokens', 'outbox', 'audit'] as const;
/** Tabs only admins see (the server refuses them to supervisors too). */
const ADMIN_ONLY: readonly Tab[] = ['outbox'];
type Tab = (typeof TABS)[number];
const ICONS = { agents: IconUser, teams: IconUsers, replies: IconMessages, help: IconNote, settings: IconSettings, inboxes: IconInbox, channels: IconRosetteCheck, tokens: IconKey, outbox: IconMessages, audit: IconList } as const;

export function AdminPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { tab } = useParams();
  const me = useMe().data;

  if (!me) return null;
  if (me.role !== 'admin' && me.role !== 'supervisor') {
    return (
      <Alert color="gray" maw={560} mx="auto" mt="xl" title={t('admin.title')}>
        {t('admin.noAccess')}
      </Alert>
    );
  }
  const canEdit = me.role === 'admin';
  const visible = TABS.filter((key) => canEdit || !ADMIN_ONLY.includes(key));
  if (!visible.includes(tab as Tab)) return <Navigate to="/admin/agents" replace />;
  const current = tab as Tab;

  return (
    <Stack gap="md" maw={1280} mx="auto">
      <div>
        <Title order={2}>{t('admin.title')}</Title>
        {!canEdit && (
          <Text size="sm" c="dimmed">
            {t('admin.readOnly')}
          </Text>
        )}
      </div>
      <Tabs value={current} onChange={(v) => v && navigate(`/admin/${v}`)} keepMounted={false}>
        <Tabs.List mb="md">
          {visible.map((key) => {
            const Icon = ICONS[key];
            return (
              <Tabs.Tab key={key} value={key} leftSection={<Icon size={16} />} data-testid={`admin-tab-${key}`}>
                {key === 'inboxes' ? t('emailUi.tab') : t(`admin.tabs.${key}`)}
              </Tabs.Tab>
            );
          })}
        </Tabs.List>
        <Tabs.Panel value="agents">
          <AgentsTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="teams">
          <TeamsTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="replies">
          <RepliesTab canEdit={me.role === 'admin' || me.role === 'supervisor'} />
        </Tabs.Panel>
        <Tabs.Panel value="help">
          {/* Editors are supervisors and admins alike. */}
          <HelpCenterTab />
        </Tabs.Panel>
        <Tabs.Panel value="settings">
          <SettingsTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="inboxes">
          <ChannelsTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="channels">
          <OfficialChannelsTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="tokens">
          <TokensTab canEdit={canEdit} />
        </Tabs.Panel>
        <Tabs.Panel value="outbox">
          <OutboxTab />
        </Tabs.Panel>
        <Tabs.Panel value="audit">
          <AuditTab />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
