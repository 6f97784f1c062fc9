import { useState, type FormEvent } from 'react';
import { Alert, Badge, Button, Code, CopyButton, Group, Modal, MultiSelect, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { TOKEN_ROLES, type TokenRole } from '../../../../common/enums.ts';
import { api } from '../../api.ts';
import { absoluteTime, localName } from '../../lib/format.ts';
import { useTeams } from '../../queries.ts';
import type { CreatedToken, Items, TokenOut } from '../../lib/types.ts';
import { RelativeTime } from '../../components/Badges.tsx';
import { ListTable } from '../../components/ListBody.tsx';
import { ConfirmModal } from '../../components/ConfirmModal.tsx';
import { IconAlert, IconCheck, IconCopy, IconPlus } from '../../components/icons.tsx';

function CreateTokenModal({ onClose, onCreated }: { onClose: () => void; onCreated: (token: CreatedToken) => void }) {
  const { t, i18n } = useTranslation();
  const teams = useTeams();
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('agent');
  const [teamIds, setTeamIds] = useState<string[]>([]);
  const create = useMutation({
    // An agent token sees what an agent of its teams sees; an admin token sees everything.
    mutationFn: () => api.post<CreatedToken>('/tokens', { name: name.trim(), role, teamIds: role === 'agent' ? teamIds : [] }),
    onSuccess: onCreated,
  });
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) create.mutate();
  }
  return (
    <Modal opened onClose={onClose} title={t('admin.tokens.createTitle')} centered>
      <form onSubmit={onSubmit}>
        <Stack gap="sm">
          {create.error && (
            <Alert color="red" variant="light">
              {create.error.message}
            </Alert>
          )}
          <TextInput
            label={t('admin.tokens.name')}
            placeholder={t('admin.tokens.namePlaceholder')}
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            data-testid="token-name"
          />
          <Select
            label={t('admin.tokens.role')}
            data={TOKEN_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
            value={role}
            onChange={(v) => v && setRole(v as TokenRole)}
            allowDeselect={false}
            description={role === 'admin' ? t('admin.tokens.adminScope') : t('admin.tokens.agentScope')}
            data-testid="token-role"
          />
          {role === 'agent' && (
            <MultiSelect
              label={t('admin.tokens.teams')}
              placeholder={teamIds.length ? undefined : t('admin.tokens.noTeams')}
              data={(teams.data ?? []).map((team) => ({ value: team.id, label: localName(team.name, i18n.language) }))}
              value={teamIds}
              onChange={setTeamIds}
              searchable
              data-testid="token-teams"
            />
          )}
          <Group justify="flex-end" mt="md">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()} data-testid="token-save">
              {t('app.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The secret is in memory only while this dialog is open; it cannot be fetched again. */
function ShowTokenModal({ token, onClose }: { token: CreatedToken; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened onClose={onClose} title={t('admin.tokens.shownOnceTitle')} centered size="lg" closeOnClickOutside={false}>
      <Stack gap="md">
        <Alert color="orange" variant="light" icon={<IconAlert size={18} />}>
          {t('admin.tokens.shownOnce')}
        </Alert>
        <Group gap="sm" wrap="nowrap" align="stretch">
          <Code block className="sb-mono" style={{ flex: 1, fontSize: 14 }} data-testid="token-value">
            {token.token}
          </Code>
          <CopyButton value={token.token}>
            {({ copied, copy }) => (
              <Button color={copied ? 'teal' : 'indigo'} leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />} onClick={copy} data-testid="token-copy">
                {copied ? t('app.copied') : t('app.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Text size="sm" c="dimmed">
          {t('admin.tokens.usage')}
        </Text>
        <Group justify="flex-end">
          <Button onClick={onClose} data-testid="token-done">
            {t('admin.tokens.done')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function TokensTab({ canEdit }: { canEdit: boolean }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const teams = useTeams();
  const teamNames = new Map((teams.data ?? []).map((team) => [team.id, localName(team.name, i18n.language)]));
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => api.get<Items<TokenOut>>('/tokens'), select: (d) => d.items });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [revoking, setRevoking] = useState<TokenOut | null>(null);

  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/tokens/${id}`),
    onSuccess: () => {
      notifications.show({ color: 'teal', message: t('admin.tokens.revokedDone') });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
    onSettled: () => {
      setRevoking(null);
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
  });

  return (
    <Stack gap="md">
      {canEdit && (
        <Group justify="flex-end">
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="token-create">
            {t('admin.tokens.add')}
          </Button>
        </Group>
      )}
      <ListTable
        query={tokens}
        empty={t('admin.tokens.empty')}
        minWidth={760}
        head={
          <>
            <Table.Th>{t('admin.tokens.name')}</Table.Th>
            <Table.Th>{t('admin.tokens.prefix')}</Table.Th>
            <Table.Th>{t('admin.tokens.role')}</Table.Th>
            <Table.Th>{t('admin.tokens.lastUsed')}</Table.Th>
            <Table.Th>{t('admin.tokens.created')}</Table.Th>
            <Table.Th>{t('admin.tokens.status')}</Table.Th>
            {canEdit && <Table.Th />}
          </>
        }
      >
        {(items) => (
          <>
            {items.map((tok) => (
              <Table.Tr key={tok.id} data-testid="token-row" opacity={tok.revokedAt ? 0.55 : 1}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {tok.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Code className="sb-mono">{tok.prefix}…</Code>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={tok.role === 'admin' ? 'red' : 'blue'}>
                    {t(`roles.${tok.role}`)}
                  </Badge>
                  {tok.role === 'agent' && (
                    <Text size="xs" c="dimmed" data-testid="token-teams-cell">
                      {tok.teamIds.length ? tok.teamIds.map((id) => teamNames.get(id) ?? '?').join(', ') : t('admin.tokens.noTeams')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {tok.lastUsedAt ? (
                    <RelativeTime iso={tok.lastUsedAt} />
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t('admin.tokens.never')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{absoluteTime(tok.createdAt, i18n.language)}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={tok.revokedAt ? 'gray' : 'teal'}>
                    {tok.revokedAt ? t('admin.tokens.revoked') : t('admin.tokens.active')}
                  </Badge>
                </Table.Td>
                {canEdit && (
                  <Table.Td ta="right">
                    {!tok.revokedAt && (
                      <Button variant="subtle" color="red" size="compact-sm" onClick={() => setRevoking(tok)} data-testid="token-revoke">
                        {t('admin.tokens.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </>
        )}
      </ListTable>
      {creating && (
        <CreateTokenModal
          onClose={() => setCreating(false)}
          onCreated={(tok) => {
            setCreating(false);
            setCreated(tok);
            void queryClient.invalidateQueries({ queryKey: ['tokens'] });
          }}
        />
      )}
      {created && <ShowTokenModal token={created} onClose={() => setCreated(null)} />}
      <ConfirmModal
        opened={revoking !== null}
        message={t('admin.tokens.revokeConfirm', { name: revoking?.name ?? '' })}
        confirmLabel={t('admin.tokens.revoke')}
        loading={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
        onClose={() => setRevoking(null)}
      />
    </Stack>
  );
}
