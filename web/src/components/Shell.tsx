import { AppShell, Avatar, Badge, Burger, Button, Group, Menu, NavLink, Stack, Text, ThemeIcon, Tooltip, ActionIcon, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import type { Me } from '../../../common/schemas.ts';
import { api, setCsrfToken } from '../api.ts';
import { initials } from '../lib/format.ts';
import { currentLanguage, setLanguage, LANGUAGES } from '../i18n/index.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { IconCheck, IconChevronDown, IconInbox, IconLogout, IconShield, IconStack, IconUser, IconUserOff, IconUsers } from './icons.tsx';

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

function InboxNav({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const location = useLocation();
  const [params] = useSearchParams();
  const onInbox = location.pathname === '/agent';
  const current = (params.get('view') as View | null) ?? DEFAULT_VIEW;
  const labels: Record<View, string> = { mine: t('nav.mine'), unassigned: t('nav.unassigned'), teams: t('nav.teams'), all: t('nav.all') };

  function href(view: View) {
    const next = new URLSearchParams(onInbox ? params : undefined);
    next.set('view', view);
    next.delete('q');
    return `/agent?${next.toString()}`;
  }

  return (
    <Stack gap={2}>
      <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pb={6}>
        {t('nav.views')}
      </Text>
      {VIEWS.map((view) => {
        const Icon = VIEW_ICONS[view];
        return (
          <NavLink
            key={view}
            component={Link}
            to={href(view)}
            label={labels[view]}
            leftSection={<Icon size={18} />}
            active={onInbox && current === view}
            onClick={onNavigate}
            data-testid={`view-${view}`}
            style={{ borderRadius: 8 }}
          />
        );
      })}
    </Stack>
  );
}

export function Shell({ me }: { me: Me }) {
  const { t } = useTranslation();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const isAdminArea = location.pathname.startsWith('/admin');
  const canAdmin = me.role === 'admin' || me.role === 'supervisor';
  const withNavbar = !isAdminArea && !me.mustEnrollTotp;

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
            <LanguageSwitch />
            <AccountMenu me={me} />
          </Group>
        </Group>
      </AppShell.Header>
      {withNavbar && (
        <AppShell.Navbar p="sm">
          <InboxNav onNavigate={close} />
        </AppShell.Navbar>
      )}
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
