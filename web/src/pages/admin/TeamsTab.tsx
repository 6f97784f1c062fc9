import { useMemo, useState, type FormEvent } from 'react';
import { Alert, Avatar, Badge, Button, Group, Modal, MultiSelect, Stack, Table, Text, TextInput, Textarea, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { AgentOut, TeamOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { initials, localName } from '../../lib/format.ts';
import type { TeamCreate } from '../../lib/types.ts';
import { byId, useAgents, useTeams } from '../../queries.ts';
import { IconPlus } from '../../components/icons.tsx';
import { ListTable } from '../../components/ListBody.tsx';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

function TeamFormModal({ team, agents, onClose }: { team: TeamOut | null; agents: AgentOut[]; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState(team?.slug ?? '');
  const [nameEn, setNameEn] = useState(team?.name.en ?? '');
  const [nameZh, setNameZh] = useState(team?.name['zh-CN'] ?? '');
  const [description, setDescription] = useState(team?.description ?? '');
  const [memberIds, setMemberIds] = useState<string[]>(team?.memberIds ?? []);
  const [supervisorIds, setSupervisorIds] = useState<string[]>(team?.supervisorIds ?? []);

  const agentOptions = agents.map((a) => ({ value: a.id, label: a.name }));
  const slugError = slug && !SLUG.test(slug) ? t('admin.teams.slugHint') : undefined;

  const save = useMutation({
    mutationFn: () => {
      // Keep translations for other locales the API may have set.
      const name: Record<string, string> = { ...(team?.name ?? {}), en: nameEn.trim() };
      if (nameZh.trim()) name['zh-CN'] = nameZh.trim();
      else delete name['zh-CN'];
      const body: TeamCreate = { slug: slug.trim(), name, description: description.trim(), memberIds, supervisorIds };
      return team ? api.patch<TeamOut>(`/teams/${team.id}`, body) : api.post<TeamOut>('/teams', body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['teams'] });
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
      notifications.show({ color: 'teal', message: team ? t('app.saved') : t('admin.teams.created') });
      onClose();
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    <Modal opened onClose={onClose} title={team ? t('admin.teams.editTitle') : t('admin.teams.createTitle')} size="lg" centered>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          {save.error && (
            <Alert color="red" variant="light">
              {save.error.message}
            </Alert>
          )}
          <TextInput
            label={t('admin.teams.slug')}
            description={t('admin.teams.slugHint')}
            required
            value={slug}
            onChange={(e) => setSlug(e.currentTarget.value.toLowerCase())}
            error={slugError}
            className="sb-mono"
            data-testid="team-slug"
          />
          <Group grow align="flex-start">
            <TextInput label={t('admin.teams.nameEn')} required value={nameEn} onChange={(e) => setNameEn(e.currentTarget.value)} data-testid="team-name-en" />
            <TextInput label={t('admin.teams.nameZh')} value={nameZh} onChange={(e) => setNameZh(e.currentTarget.value)} lang="zh-CN" data-testid="team-name-zh" />
          </Group>
          <Textarea label={t('admin.teams.description')} autosize minRows={2} maxRows={6} value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <MultiSelect label={t('admin.teams.members')} data={agentOptions} value={memberIds} onChange={setMemberIds} searchable />
          <MultiSelect label={t('admin.teams.supervisors')} data={agentOptions} value={supervisorIds} onChange={setSupervisorIds} searchable />
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!slug || Boolean(slugError) || !nameEn.trim()} data-testid="team-save">
              {team ? t('app.save') : t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function People({ ids, agents }: { ids: string[]; agents: Map<string, AgentOut> }) {
  const { t } = useTranslation();
  if (ids.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('app.none')}
      </Text>
    );
  return (
    <Tooltip label={ids.map((id) => agents.get(id)?.name ?? id.slice(0, 8)).join(', ')} multiline maw={320} withArrow>
      <Avatar.Group spacing="sm">
        {ids.slice(0, 5).map((id) => (
          <Avatar key={id} size={28} radius="xl" color="indigo">
            {initials(agents.get(id)?.name ?? '?')}
          </Avatar>
        ))}
        {ids.length > 5 && (
          <Avatar size={28} radius="xl">
            +{ids.length - 5}
          </Avatar>
        )}
      </Avatar.Group>
    </Tooltip>
  );
}

export function TeamsTab({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const teams = useTeams();
  const agents = useAgents();
  const agentsById = useMemo(() => byId(agents.data), [agents.data]);
  const [editing, setEditing] = useState<string | null>(null);
  const editingTeam = editing && editing !== 'new' ? (teams.data?.find((tm) => tm.id === editing) ?? null) : null;

  return (
    <Stack gap="md">
      {canEdit && (
        <Group justify="flex-end">
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="team-create">
            {t('admin.teams.add')}
          </Button>
        </Group>
      )}
      <ListTable
        query={teams}
        empty={t('admin.teams.empty')}
        minWidth={800}
        head={
          <>
            <Table.Th>{t('admin.teams.name')}</Table.Th>
            <Table.Th>{t('admin.teams.slug')}</Table.Th>
            <Table.Th>{t('admin.teams.description')}</Table.Th>
            <Table.Th>{t('admin.teams.members')}</Table.Th>
            <Table.Th>{t('admin.teams.supervisors')}</Table.Th>
            {canEdit && <Table.Th />}
          </>
        }
      >
        {(items) => (
          <>
            {items.map((team) => (
              <Table.Tr key={team.id} data-testid="team-row">
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {localName(team.name, i18n.language)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="default" radius="sm" tt="none" className="sb-mono">
                    {team.slug}
                  </Badge>
                </Table.Td>
                <Table.Td maw={320}>
                  <Text size="sm" c="dimmed" lineClamp={2}>
                    {team.description || t('app.none')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <People ids={team.memberIds} agents={agentsById} />
                </Table.Td>
                <Table.Td>
                  <People ids={team.supervisorIds} agents={agentsById} />
                </Table.Td>
                {canEdit && (
                  <Table.Td ta="right">
                    <Button variant="subtle" size="compact-sm" onClick={() => setEditing(team.id)}>
                      {t('app.edit')}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </>
        )}
      </ListTable>
      {(editing === 'new' || editingTeam) && <TeamFormModal key={editing ?? 'new'} team={editingTeam} agents={agents.data ?? []} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
