import { Anchor, Box, Button, Container, Group, Text, ThemeIcon } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api, setCsrfToken } from '../api.ts';
import { meKey, useMe } from '../queries.ts';
import { LanguageSwitch } from '../components/LanguageSwitch.tsx';
import { IconInbox, IconLogout, IconPlus } from '../components/icons.tsx';

/** The customer-facing frame of /tickets: brand, language, sign in/out — no agent navigation. */
export function PortalShell() {
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const customer = me.data?.type === 'contact' ? me.data : null;

  const logout = useMutation({
    mutationFn: () => api.post<void>('/auth/logout'),
    onSettled: () => {
      setCsrfToken(null);
      queryClient.clear();
      queryClient.setQueryData(meKey, null);
      navigate('/tickets/login', { replace: true });
    },
  });

  const onLogin = location.pathname.startsWith('/tickets/login');

  return (
    <Box mih="100vh" bg="gray.0" style={{ display: 'flex', flexDirection: 'column' }}>
      <Box component="header" bg="white" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
        <Container size="md" h={60}>
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Anchor component={Link} to={customer ? '/tickets' : '/tickets/new'} underline="never" c="inherit" data-testid="portal-logo">
              <Group gap={8} wrap="nowrap">
                <ThemeIcon size={30} radius="md" variant="gradient" gradient={{ from: 'indigo', to: 'cyan', deg: 135 }}>
                  <IconInbox size={18} />
                </ThemeIcon>
                <Text fw={700} fz={{ base: 'md', sm: 'lg' }} style={{ letterSpacing: -0.3, whiteSpace: 'nowrap' }}>
                  Switchboard Support
                  <Text span c="dimmed" fw={500} visibleFrom="xs">
                    {' · 客服中心'}
                  </Text>
                </Text>
              </Group>
            </Anchor>
            <Group gap={6} wrap="nowrap">
              {customer && (
                <Button component={Link} to="/tickets" variant="subtle" size="compact-sm" visibleFrom="sm" data-testid="portal-my-tickets">
                  {t('portal.nav.myTickets')}
                </Button>
              )}
              <Button component={Link} to="/tickets/new" variant="light" size="compact-sm" leftSection={<IconPlus size={14} />} visibleFrom="sm" data-testid="portal-new-ticket">
                {t('portal.nav.newTicket')}
              </Button>
              <LanguageSwitch />
              {customer ? (
                <Button
                  variant="subtle"
                  color="gray"
                  size="compact-sm"
                  leftSection={<IconLogout size={14} />}
                  onClick={() => logout.mutate()}
                  loading={logout.isPending}
                  data-testid="portal-logout"
                  title={customer.email ?? customer.name}
                >
                  {t('portal.nav.signOut')}
                </Button>
              ) : (
                !onLogin &&
                me.data?.type !== 'agent' && (
                  <Button component={Link} to={`/tickets/login?next=${encodeURIComponent(location.pathname)}`} size="compact-sm" data-testid="portal-login">
                    {t('portal.nav.signIn')}
                  </Button>
                )
              )}
            </Group>
          </Group>
        </Container>
      </Box>
      <Container size="md" w="100%" py="xl" style={{ flex: 1 }}>
        <Outlet />
      </Container>
      <Box component="footer" py="md">
        <Text size="xs" c="dimmed" ta="center">
          {t('portal.footer')}
        </Text>
      </Box>
    </Box>
  );
}
