import { AppShell, Avatar, Badge, Burger, Button, Group, Menu, NavLink, Stack, Text, ThemeIcon, Tooltip, ActionIcon, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import type { Me } from '../../../common/schemas.ts';
import { api, setCsrfToken } from '../api.ts';
import { initials } from '../lib/format.ts';
import { playChime } from '../lib/sound.ts';
import type { AgentNotification, SavedView } from '../lib/types.ts';
import { closeSocket, useAgentRealtime, type NotificationPush } from '../realtime.ts';
import { meKey, useCounts, useLiveQueue, useSavedViews } from '../queries.ts';
import { PresenceSwitch } from './PresenceSwitch.tsx';
import { NotificationsBell } from './NotificationsBell.tsx';
import { currentLanguage, setLanguage, LANGUAGES } from '../i18n/index.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { IconBookmark, IconCheck, IconChevronDown, IconInbox, IconLogout, IconMessages, IconShield, IconStack, IconUser, IconUserOff, IconUsers, IconX } from './icons.tsx';

export const VIEWS = ['mine', 'unassigned', 'teams', 'all'] as const;
export type View = (typeof VIEWS)[number];
export const DEFAULT_VIEW: View = 'all';

const VIEW_ICONS = { mine: IconUser, unassigned: IconUserOff, teams: IconUsers, all: IconStack } as const;

export function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }}>
        <IconInbox size={18} />
      </ThemeIcon>
      <Text fw={700} size="lg" style={{ letterSpacing: -0.3 }}>
        Switchboard
      </Text>
    </Group>
  );
}

function useLogout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => api.post<void>('/auth/logout'),
    onSettled: () => {
      // Even if the call failed, forget everything cached for this user.
      closeSocket();
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(['me'], null);
      navigate('/login', { replace: true });
    },
  });
}

function AccountMenu({ me }: { me: Me }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const logout = useLogout();
  const lang = currentLanguage();
  return (
    <Group gap={4} wrap="nowrap">
      <Menu position="bottom-end" width={240} shadow="md">
        <Menu.Target>
          <UnstyledButton aria-label={t('nav.account')} data-testid="account-menu" px={6} py={4} style={{ borderRadius: 8 }}>
            <Group gap={8} wrap="nowrap">
              <Avatar size={30} radius="xl" color="indigo">
                {initials(me.name)}
              </Avatar>
              <Stack gap={0} visibleFrom="sm">
                <Text size="sm" fw={600} lh={1.2} data-testid="account-name">
                  {me.name}
                </Text>
                {me.role && (
                  <Text size="xs" c="dimmed" lh={1.2}>
                    {t(`roles.${me.role}`)}
                  </Text>
                )}
              </Stack>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t('nav.signedInAs')}</Menu.Label>
          <Stack gap={0} px="sm" pb="xs">
            <Text size="sm" fw={600}>
              {me.name}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              {me.email}
            </Text>
          </Stack>
          <Menu.Divider />
          <Menu.Item
            leftSection={<IconShield size={16} />}
            rightSection={
              <Badge size="xs" variant="light" color={me.totpEnabled ? 'teal' : 'gray'}>
                {me.totpEnabled ? t('admin.agents.on') : t('admin.agents.off')}
              </Badge>
            }
            onClick={() => navigate('/agent/security')}
          >
            {t('nav.security')}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Label>{t('nav.language')}</Menu.Label>
          {LANGUAGES.map((l) => (
            <Menu.Item key={l} onClick={() => setLanguage(l)} rightSection={lang === l ? <IconCheck size={14} /> : null} lang={l}>
              {i18n.t(`languages.${l}`)}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => logout.mutate()}>
            {t('nav.logout')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Tooltip label={t('nav.logout')}>
        <ActionIcon variant="subtle" color="gray" size="lg" aria-label={t('nav.logout')} onClick={() => logout.mutate()} loading={logout.isPending} data-testid="logout">
          <IconLogout size={18} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

/** Chats offered to me (they need an answer now) and chats waiting in the queue, for the nav badge. */
function useLiveChatBadge(me: Me) {
  const live = useLiveQueue(!me.mustEnrollTotp);
  const waiting = live.data?.waiting ?? [];
  return { offered: waiting.filter((w) => w.offeredTo === me.id).length, waiting: waiting.filter((w) => !w.offeredTo).length };
}

function LiveChatCount({ me }: { me: Me }) {
  const { offered, waiting } = useLiveChatBadge(me);
  if (offered > 0) {
    return (
      <Badge size="sm" color="red" variant="filled" radius="sm" data-testid="live-badge" data-offered={offered} className="sb-pulse">
        {offered}
      </Badge>
    );
  }
  if (waiting > 0) {
    return (
      <Badge size="sm" color="orange" variant="light" radius="sm" data-testid="live-badge" data-waiting={waiting}>
        {waiting}
      </Badge>
    );
  }
  return null;
}

/** The URL of a saved view: its filters, plus its id so the nav can highlight it. */
export function savedViewHref(v: SavedView): string {
  const next = new URLSearchParams(v.query);
  next.set('sv', v.id);
  return `/agent?${next.toString()}`;
}

function InboxNav({ me, onNavigate, live }: { me: Me; onNavigate: () => void; live: boolean }) {
  const { t } = useTranslation();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const onInbox = location.pathname === '/agent';
  const savedId = params.get('sv');
  const current = (params.get('view') as View | null) ?? DEFAULT_VIEW;
  const labels: Record<View, string> = { mine: t('nav.mine'), unassigned: t('nav.unassigned'), teams: t('nav.teams'), all: t('nav.all') };
  const counts = useCounts();
  const views = useSavedViews();

  const remove = useMutation({
    mutationFn: (id: string) => api.delete(`/views/${id}`),
    onSuccess: (_r, id) => {
      void queryClient.invalidateQueries({ queryKey: ['views'] });
      notifications.show({ color: 'teal', message: t('views.deleted') });
      if (savedId === id) navigate('/agent', { replace: true });
    },
    onError: (err) => notifications.show({ color: 'red', title: t('app.errorTitle'), message: err.message }),
  });

  function href(view: View) {
    // A built-in view keeps the ad-hoc filters of the page, but not a saved view's identity.
    const next = new URLSearchParams(onInbox && !savedId ? params : undefined);
    next.set('view', view);
    next.delete('q');
    next.delete('sv');
    return `/agent?${next.toString()}`;
  }

  return (
    <Stack gap={2}>
      <NavLink
        component={Link}
        to="/agent/chats"
        label={t('nav.liveChats')}
        leftSection={<IconMessages size={18} />}
        rightSection={<LiveChatCount me={me} />}
        active={location.pathname === '/agent/chats'}
        onClick={onNavigate}
        data-testid="nav-live-chats"
        style={{ borderRadius: 8 }}
        mb="sm"
      />
      <Group justify="space-between" px="sm" pb={6}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase">
          {t('nav.views')}
        </Text>
        <Tooltip label={live ? t('nav.live') : t('nav.offline')}>
          <span data-testid="live-indicator" data-live={live} style={{ width: 8, height: 8, borderRadius: 4, background: live ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-4)' }} />
        </Tooltip>
      </Group>
      {VIEWS.map((view) => {
        const Icon = VIEW_ICONS[view];
        const count = counts.data?.[view];
        return (
          <NavLink
            key={view}
            component={Link}
            to={href(view)}
            label={labels[view]}
            leftSection={<Icon size={18} />}
            rightSection={
              count !== undefined && count > 0 ? (
                <Badge size="sm" variant="light" color={view === 'unassigned' ? 'orange' : 'gray'} radius="sm" data-testid={`count-${view}`}>
                  {count > 999 ? '999+' : count}
                </Badge>
              ) : null
            }
            active={onInbox && !savedId && current === view}
            onClick={onNavigate}
            data-testid={`view-${view}`}
            style={{ borderRadius: 8 }}
          />
        );
      })}
      {(views.data?.length ?? 0) > 0 && (
        <>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="md" pb={6}>
            {t('views.saved')}
          </Text>
          {views.data?.map((v) => (
            <NavLink
              key={v.id}
              component={Link}
              to={savedViewHref(v)}
              label={v.name}
              description={v.shared ? t('views.shared') : undefined}
              leftSection={<IconBookmark size={16} />}
              rightSection={
                v.mine ? (
                  <ActionIcon
                    size="xs"
                    variant="subtle"
                    color="gray"
                    aria-label={t('views.delete', { name: v.name })}
                    onClick={(e) => {
                      e.preventDefault();
                      e.stopPropagation();
                      if (window.confirm(t('views.deleteConfirm', { name: v.name }))) remove.mutate(v.id);
                    }}
                  >
                    <IconX size={12} />
                  </ActionIcon>
                ) : null
              }
              active={onInbox && savedId === v.id}
              onClick={onNavigate}
              data-testid="saved-view"
              style={{ borderRadius: 8 }}
            />
          ))}
        </>
      )}
    </Stack>
  );
}

/** Toast, chime and badge for a pushed notification. */
function useNotificationAlerts() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  return (n: NotificationPush) => {
    const data = { ...(n.data ?? {}), number: n.data?.number ?? n.number, subject: n.data?.subject ?? n.subject, excerpt: n.data?.excerpt ?? n.excerpt };
    queryClient.setQueryData<{ items: AgentNotification[]; unread: number }>(['notifications'], (old) => (old ? { ...old, unread: old.unread + 1 } : old));
    playChime();
    const type = n.type === 'assigned' || n.type === 'mentioned' || n.type === 'sla_breach' || n.type === 'chat_missed' || n.type === 'login_locked' ? n.type : null;
    // A missed chat offer set me away: show it in the presence switch.
    if (type === 'chat_missed') void queryClient.invalidateQueries({ queryKey: meKey });
    notifications.show({
      color: type === 'sla_breach' || type === 'chat_missed' || type === 'login_locked' ? 'red' : 'indigo',
      title: type ? t(`notifications.types.${type}`) : t('notifications.title'),
      message: `${data.number ? `#${data.number} ` : ''}${data.subject ?? ''}${data.excerpt ? ` — ${data.excerpt}` : ''}`,
      autoClose: 6000,
      style: n.conversationId ? { cursor: 'pointer' } : undefined,
      onClick: n.conversationId ? () => navigate(`/agent/conversations/${n.conversationId}`) : undefined,
    });
  };
}

export function Shell({ me }: { me: Me }) {
  const { t } = useTranslation();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const isAdminArea = location.pathname.startsWith('/admin');
  const canAdmin = me.role === 'admin' || me.role === 'supervisor';
  const withNavbar = !isAdminArea && !me.mustEnrollTotp;
  const alert = useNotificationAlerts();
  const live = useAgentRealtime(alert);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={withNavbar ? { width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } } : undefined}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="lg" wrap="nowrap">
            {withNavbar && <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" />}
            <Link to="/agent" style={{ color: 'inherit', textDecoration: 'none' }}>
              <Logo />
            </Link>
            {!me.mustEnrollTotp && (
              <Group gap={4} visibleFrom="sm">
                <Button component={Link} to="/agent" variant={isAdminArea ? 'subtle' : 'light'} color={isAdminArea ? 'gray' : undefined} size="compact-md" data-testid="nav-inbox">
                  {t('nav.inbox')}
                </Button>
                {canAdmin && (
                  <Button component={Link} to="/admin" variant={isAdminArea ? 'light' : 'subtle'} color={isAdminArea ? undefined : 'gray'} size="compact-md" data-testid="nav-admin">
                    {t('nav.admin')}
                  </Button>
                )}
              </Group>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            {!me.mustEnrollTotp && <PresenceSwitch me={me} />}
            {!me.mustEnrollTotp && <NotificationsBell />}
            <LanguageSwitch />
            <AccountMenu me={me} />
          </Group>
        </Group>
      </AppShell.Header>
      {withNavbar && (
        <AppShell.Navbar p="sm">
          <InboxNav me={me} onNavigate={close} live={live} />
        </AppShell.Navbar>
      )}
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
