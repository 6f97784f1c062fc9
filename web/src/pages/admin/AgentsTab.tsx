import { useMemo, useState, type FormEvent } from 'react';
import { Alert, Avatar, Badge, Button, Divider, Group, Modal, MultiSelect, NumberInput, PasswordInput, Select, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AGENT_ROLES, AGENT_STATUSES, type AgentRole, type AgentStatus } from '../../../../common/enums.ts';
import type { AgentCreate, AgentOut, AgentUpdate, TeamOut } from '../../../../common/schemas.ts';
import { api } from '../../api.ts';
import { initials, localName } from '../../lib/format.ts';
import { byId, useAgents, useTeams } from '../../queries.ts';
import { ListTable } from '../../components/ListBody.tsx';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { IconPlus, IconShield } from '../../components/icons.tsx';

const ROLE_COLORS: Record<AgentRole, string> = { admin: 'red', supervisor: 'violet', agent: 'blue' };
const STATUS_DOT: Record<AgentStatus, string> = { online: 'teal', away: 'yellow', offline: 'gray' };

interface FormState {
  email: string;
  name: string;
  password: string;
  role: AgentRole;
  languages: string[];
  capacity: number;
  teamIds: string[];
  status: AgentStatus;
  disabled: boolean;
}

function useLanguageOptions(extra: string[] = []) {
  const { t } = useTranslation();
  const base = [
    { value: 'en', label: t('languages.en') },
    { value: 'zh-CN', label: t('languages.zh-CN') },
  ];
  // Keep languages set elsewhere (API, CLI) visible instead of silently dropping them on save.
  for (const code of extra) if (!base.some((o) => o.value === code)) base.push({ value: code, label: code });
  return base;
}

function AgentFormModal({ agent, teams, opened, onClose }: { agent: AgentOut | null; teams: TeamOut[]; opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const isEdit = agent !== null;
  const [form, setForm] = useState<FormState>(() =>
    agent
      ? { email: agent.email, name: agent.name, password: '', role: agent.role, languages: agent.languages, capacity: agent.capacity, teamIds: agent.teamIds, status: agent.status, disabled: agent.disabled }
      : { email: '', name: '', password: '', role: 'agent', languages: ['en'], capacity: 3, teamIds: [], status: 'offline', disabled: false },
  );
  const [confirmReset, setConfirmReset] = useState(false);
  const languageOptions = useLanguageOptions(agent?.languages);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = useMutation({
    mutationFn: async () => {
      if (!agent) {
        const body: AgentCreate = {
          email: form.email.trim(),
          name: form.name.trim(),
          password: form.password,
          role: form.role,
          languages: form.languages,
          capacity: form.capacity,
          teamIds: form.teamIds,
        };
        return api.post<AgentOut>('/agents', body);
      }
      const patch: AgentUpdate = {};
      if (form.name.trim() !== agent.name) patch.name = form.name.trim();
      if (form.role !== agent.role) patch.role = form.role;
      if (form.languages.join() !== agent.languages.join()) patch.languages = form.languages;
      if (form.capacity !== agent.capacity) patch.capacity = form.capacity;
      if ([...form.teamIds].sort().join() !== [...agent.teamIds].sort().join()) patch.teamIds = form.teamIds;
      if (form.status !== agent.status) patch.status = form.status;
      if (form.disabled !== agent.disabled) patch.disabled = form.disabled;
      if (form.password) patch.password = form.password;
      if (Object.keys(patch).length === 0) return agent;
      return api.patch<AgentOut>(`/agents/${agent.id}`, patch);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
      void queryClient.invalidateQueries({ queryKey: ['teams'] });
      notifications.show({ color: 'teal', message: isEdit ? t('app.saved') : t('admin.agents.created') });
      onClose();
    },
  });

  const resetTotp = useMutation({
    mutationFn: () => api.patch<AgentOut>(`/agents/${agent?.id}`, { resetTotp: true } satisfies AgentUpdate),
    onSuccess: () => {
      setConfirmReset(false);
      void queryClient.invalidateQueries({ queryKey: ['agents'] });
      notifications.show({ color: 'teal', message: t('admin.agents.resetDone') });
    },
    onError: (err) => {
      setConfirmReset(false);
      notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message });
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  const passwordTooShort = form.password.length > 0 && form.password.length < 10;
  const canSubmit = form.name.trim() && (isEdit || (form.email.trim() && form.password.length >= 10)) && !passwordTooShort;

  return (
    <Modal opened={opened} onClose={onClose} title={isEdit ? t('admin.agents.editTitle', { name: agent.name }) : t('admin.agents.createTitle')} size="lg" centered>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          {save.error && (
            <Alert color="red" variant="light">
              {save.error.message}
            </Alert>
          )}
          <Group grow align="flex-start">
            <TextInput label={t('admin.agents.name')} required value={form.name} onChange={(e) => set('name', e.currentTarget.value)} data-testid="agent-name" data-autofocus />
            <TextInput
              label={t('admin.agents.email')}
              type="email"
              required={!isEdit}
              disabled={isEdit}
              value={form.email}
              onChange={(e) => set('email', e.currentTarget.value)}
              data-testid="agent-email"
            />
          </Group>
          <PasswordInput
            label={isEdit ? t('admin.agents.newPassword') : t('admin.agents.password')}
            description={isEdit ? t('admin.agents.newPasswordHint') : t('admin.agents.passwordHint')}
            required={!isEdit}
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => set('password', e.currentTarget.value)}
            error={passwordTooShort ? t('admin.agents.passwordHint') : undefined}
            data-testid="agent-password"
          />
          <Group grow align="flex-start">
            <Select
              label={t('admin.agents.role')}
              data={AGENT_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
              value={form.role}
              onChange={(v) => v && set('role', v as AgentRole)}
              allowDeselect={false}
              data-testid="agent-role"
            />
            <NumberInput
              label={t('admin.agents.capacity')}
              description={t('admin.agents.capacityHint')}
              min={0}
              max={50}
              value={form.capacity}
              onChange={(v) => set('capacity', typeof v === 'number' ? v : Number(v) || 0)}
            />
          </Group>
          <MultiSelect label={t('admin.agents.languages')} data={languageOptions} value={form.languages} onChange={(v) => set('languages', v)} data-testid="agent-languages" />
          <MultiSelect
            label={t('admin.agents.teams')}
            data={teams.map((tm) => ({ value: tm.id, label: localName(tm.name, i18n.language) }))}
            value={form.teamIds}
            onChange={(v) => set('teamIds', v)}
            searchable
            placeholder={form.teamIds.length === 0 ? t('admin.agents.noTeams') : undefined}
          />
          {isEdit && (
            <>
              <Select
                label={t('admin.agents.status')}
                data={AGENT_STATUSES.map((s) => ({ value: s, label: t(`agentStatus.${s}`) }))}
                value={form.status}
                onChange={(v) => v && set('status', v as AgentStatus)}
                allowDeselect={false}
              />
              <Switch
                label={t('admin.agents.disabled')}
                description={t('admin.agents.disabledHint')}
                checked={form.disabled}
                onChange={(e) => set('disabled', e.currentTarget.checked)}
                color="red"
                mt="xs"
              />
              <Divider my="xs" />
              <Group justify="space-between">
                <Group gap="xs">
                  <IconShield size={18} />
                  <Text size="sm">{t('admin.agents.twoFactor')}</Text>
                  <Badge color={agent.totpEnabled ? 'teal' : 'gray'} variant="light">
                    {agent.totpEnabled ? t('admin.agents.on') : t('admin.agents.off')}
                  </Badge>
                </Group>
                <Button variant="light" color="orange" size="xs" disabled={!agent.totpEnabled} onClick={() => setConfirmReset(true)} data-testid="agent-reset-totp">
                  {t('admin.agents.resetTotp')}
                </Button>
              </Group>
            </>
          )}
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!canSubmit} data-testid="agent-save">
              {isEdit ? t('app.save') : t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
      {agent && (
        <ConfirmModal
          opened={confirmReset}
          message={t('admin.agents.resetTotpConfirm', { name: agent.name })}
          confirmLabel={t('admin.agents.resetTotp')}
          loading={resetTotp.isPending}
          onConfirm={() => resetTotp.mutate()}
          onClose={() => setConfirmReset(false)}
        />
      )}
    </Modal>
  );
}

export function AgentsTab({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const agents = useAgents();
  const teams = useTeams();
  const teamsById = useMemo(() => byId(teams.data), [teams.data]);
  // null: closed; 'new': create; an agent id: edit (looked up fresh so a reset shows at once).
  const [editing, setEditing] = useState<string | null>(null);
  const editingAgent = editing && editing !== 'new' ? (agents.data?.find((a) => a.id === editing) ?? null) : null;

  return (
    <Stack gap="md">
      {canEdit && (
        <Group justify="flex-end">
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="agent-create">
            {t('admin.agents.add')}
          </Button>
        </Group>
      )}
      <ListTable
        query={agents}
        empty={t('admin.agents.empty')}
        minWidth={900}
        head={
          <>
            <Table.Th>{t('admin.agents.name')}</Table.Th>
            <Table.Th>{t('admin.agents.role')}</Table.Th>
            <Table.Th>{t('admin.agents.teams')}</Table.Th>
            <Table.Th>{t('admin.agents.languages')}</Table.Th>
            <Table.Th>{t('admin.agents.status')}</Table.Th>
            <Table.Th>{t('admin.agents.capacity')}</Table.Th>
            <Table.Th>{t('admin.agents.twoFactor')}</Table.Th>
            {canEdit && <Table.Th />}
          </>
        }
      >
        {(items) => (
          <>
            {items.map((a) => (
              <Table.Tr key={a.id} data-testid="agent-row" opacity={a.disabled ? 0.55 : 1}>
                <Table.Td>
                  <Group gap="sm" wrap="nowrap">
                    <Avatar size={32} radius="xl" color={ROLE_COLORS[a.role]}>
                      {initials(a.name)}
                    </Avatar>
                    <div>
                      <Group gap={6}>
                        <Text size="sm" fw={600}>
                          {a.name}
                        </Text>
                        {a.disabled && (
                          <Badge size="xs" color="red" variant="light">
                            {t('admin.agents.disabled')}
                          </Badge>
                        )}
                      </Group>
                      <Text size="xs" c="dimmed">
                        {a.email}
                      </Text>
                    </div>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Badge color={ROLE_COLORS[a.role]} variant="light">
                    {t(`roles.${a.role}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {a.teamIds.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        {t('app.none')}
                      </Text>
                    ) : (
                      a.teamIds.map((id) => (
                        <Badge key={id} variant="default" radius="sm" tt="none">
                          {localName(teamsById.get(id)?.name, i18n.language) || id.slice(0, 8)}
                        </Badge>
                      ))
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{a.languages.map((l) => (l === 'en' || l === 'zh-CN' ? t(`languages.${l}`) : l)).join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={STATUS_DOT[a.status]}>
                    {t(`agentStatus.${a.status}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{a.capacity}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={a.totpEnabled ? 'teal' : 'gray'} variant="light">
                    {a.totpEnabled ? t('admin.agents.on') : t('admin.agents.off')}
                  </Badge>
                </Table.Td>
                {canEdit && (
                  <Table.Td ta="right">
                    <Button variant="subtle" size="compact-sm" onClick={() => setEditing(a.id)} data-testid="agent-edit">
                      {t('app.edit')}
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </>
        )}
      </ListTable>
      {(editing === 'new' || editingAgent) && (
        <AgentFormModal
          key={editing ?? 'new'}
          agent={editingAgent}
          teams={teams.data ?? []}
          opened
          onClose={() => setEditing(null)}
        />
      )}
    </Stack>
  );
}
