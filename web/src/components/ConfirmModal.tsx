import { Button, Group, Modal, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A small "are you sure?" dialog for destructive admin actions. */
export function ConfirmModal({
  opened,
  message,
  confirmLabel,
  loading,
  onConfirm,
  onClose,
}: {
  opened: boolean;
  message: string;
  confirmLabel?: string;
  loading?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={t('confirm.title')} centered size="sm">
      <Text size="sm">{message}</Text>
      <Group justify="flex-end" mt="lg">
        <Button variant="default" onClick={onClose}>
          {t('app.cancel')}
        </Button>
        <Button color="red" onClick={onConfirm} loading={loading} data-testid="confirm-ok">
          {confirmLabel ?? t('confirm.ok')}
        </Button>
      </Group>
    </Modal>
  );
}
