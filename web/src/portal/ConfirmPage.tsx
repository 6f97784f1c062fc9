import { useState } from 'react';
import { Alert, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../api.ts';
import { IconAlert, IconLock } from '../components/icons.tsx';

/**
 * /tickets/confirm?token=… — the link in the confirmation email. It asks for one click instead of
 * confirming on load, so a mail scanner that opens links does not confirm the address for its owner.
 * The server then joins the ticket to the address's customer and signs them in.
 */
export function ConfirmPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { id } = await api.post<{ id: string; number: number }>('/tickets/confirm', { token });
      // A new session (cookies set by the answer): everything cached belongs to whoever was here before.
      queryClient.clear();
      navigate(`/tickets/${id}`, { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 404 || err.status === 400) ? t('portal.confirm.failed') : err instanceof Error ? err.message : t('app.errorTitle'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder radius="lg" p="xl" maw={520} mx="auto" data-testid="confirm-page">
      <Stack gap="md" align="flex-start">
        <Title order={3}>{t('portal.confirm.title')}</Title>
        {token.length < 16 ? (
          <Alert color="red" icon={<IconAlert size={18} />} data-testid="confirm-missing">
            {t('portal.confirm.missing')}
          </Alert>
        ) : (
          <>
            <Text c="dimmed">{t('portal.confirm.text')}</Text>
            <Button leftSection={<IconLock size={16} />} loading={busy} onClick={confirm} data-testid="confirm-submit">
              {t('portal.confirm.button')}
            </Button>
          </>
        )}
        {error && (
          <Alert color="red" icon={<IconAlert size={18} />} data-testid="confirm-error">
            {error}
          </Alert>
        )}
        {(error || token.length < 16) && (
          <Button component={Link} to="/tickets/login" variant="default">
            {t('portal.confirm.signIn')}
          </Button>
        )}
      </Stack>
    </Paper>
  );
}
