import { Suspense, lazy } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe } from './queries.ts';
import { LoginPage } from './pages/LoginPage.tsx';
import { Shell } from './components/Shell.tsx';
import { InboxPage } from './pages/InboxPage.tsx';
import { SecurityPage } from './pages/SecurityPage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { PortalShell } from './portal/PortalShell.tsx';
import { NewTicketPage } from './portal/NewTicketPage.tsx';
import { ConfirmPage } from './portal/ConfirmPage.tsx';
import { PortalLoginPage } from './portal/PortalLoginPage.tsx';
import { ChatFrame } from './chat/ChatFrame.tsx';
import { LiveChatsPage } from './pages/LiveChatsPage.tsx';

// The conversation and admin pages are larger and not on the first screen: load them on demand.
const ConversationPage = lazy(() => import('./pages/ConversationPage.tsx').then((m) => ({ default: m.ConversationPage })));
const MyTicketsPage = lazy(() => import('./portal/MyTicketsPage.tsx').then((m) => ({ default: m.MyTicketsPage })));
const TicketPage = lazy(() => import('./portal/TicketPage.tsx').then((m) => ({ default: m.TicketPage })));
const ChatPage = lazy(() => import('./chat/ChatPage.tsx').then((m) => ({ default: m.ChatPage })));
const AdminPage = lazy(() => import('./pages/admin/AdminPage.tsx').then((m) => ({ default: m.AdminPage })));

export function FullPageLoader() {
  return (
    <Center h="60vh">
      <Loader />
    </Center>
  );
}

/** Only signed-in agents get past this; agents who must enrol in two-factor only reach /agent/security. */
function RequireAgent() {
  const { t } = useTranslation();
  const location = useLocation();
  const me = useMe();

  if (me.isPending) return <FullPageLoader />;
  if (me.isError) {
    return (
      <Center h="60vh">
        <Stack align="center">
          <Alert color="red" title={t('app.errorTitle')} maw={420}>
            {me.error.message}
          </Alert>
          <Button variant="light" onClick={() => void me.refetch()}>
            {t('app.retry')}
          </Button>
        </Stack>
      </Center>
    );
  }
  if (!me.data || me.data.type !== 'agent') {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (me.data.mustEnrollTotp && location.pathname !== '/agent/security') {
    return <Navigate to="/agent/security" replace />;
  }
  return <Shell me={me.data} />;
}

/** The customer's own pages: a signed-in customer, else the customer sign-in (agents are pointed to their workspace). */
function RequireCustomer({ page }: { page: 'list' | 'ticket' }) {
  const { t } = useTranslation();
  const location = useLocation();
  const me = useMe();
  if (me.isPending) return <FullPageLoader />;
  if (me.isError) {
    return (
      <Alert color="red" title={t('app.errorTitle')} maw={480} mx="auto">
        {me.error.message}
      </Alert>
    );
  }
  if (me.data?.type === 'agent') {
    return (
      <Alert color="indigo" maw={520} mx="auto" title={t('portal.agentNotice.title')}>
        <Stack gap="sm" align="flex-start">
          {t('portal.agentNotice.text')}
          <Button component={Link} to="/agent" size="xs">
            {t('portal.agentNotice.open')}
          </Button>
        </Stack>
      </Alert>
    );
  }
  if (!me.data) return <Navigate to={`/tickets/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  return <Suspense fallback={<FullPageLoader />}>{page === 'list' ? <MyTicketsPage me={me.data} /> : <TicketPage />}</Suspense>;
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/tickets" element={<PortalShell />}>
        <Route index element={<RequireCustomer page="list" />} />
        <Route path="new" element={<NewTicketPage />} />
        <Route path="confirm" element={<ConfirmPage />} />
        <Route path="login" element={<PortalLoginPage />} />
        <Route path=":id" element={<RequireCustomer page="ticket" />} />
      </Route>
      <Route path="/chat" element={<ChatFrame />}>
        <Route
          index
          element={
            <Suspense fallback={<FullPageLoader />}>
              <ChatPage />
            </Suspense>
          }
        />
      </Route>
      <Route element={<RequireAgent />}>
        <Route path="/agent" element={<InboxPage />} />
        <Route
          path="/agent/conversations/:id"
          element={
            <Suspense fallback={<FullPageLoader />}>
              <ConversationPage />
            </Suspense>
          }
        />
        <Route path="/agent/chats" element={<LiveChatsPage />} />
        <Route path="/agent/security" element={<SecurityPage />} />
        <Route path="/admin" element={<Navigate to="/admin/agents" replace />} />
        <Route
          path="/admin/:tab"
          element={
            <Suspense fallback={<FullPageLoader />}>
              <AdminPage />
            </Suspense>
          }
        />
        <Route path="/agent/*" element={<NotFoundPage />} />
        <Route path="/admin/*" element={<NotFoundPage />} />
      </Route>
      <Route path="*" element={<Navigate to="/agent" replace />} />
    </Routes>
  );
}
