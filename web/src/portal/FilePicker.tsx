import { useRef } from 'react';
import { ActionIcon, Badge, Button, Group, Stack, Text, type GroupProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { IconPaperclip } from '../components/icons.tsx';
import { ACCEPT_FILES, MAX_FILE_BYTES, fileSize } from './labels.tsx';

interface Props {
  files: File[];
  onChange: (files: File[]) => void;
  /** Shown for files refused before upload (too large). */
  onReject: (message: string | null) => void;
  disabled?: boolean;
  testId: string;
  max?: number;
}

/** Adds picked files to a draft's list: over-size ones are refused (named in `tooLarge`), at most `max` kept. */
export function addFiles(current: File[], picked: FileList | File[], max = 10): { files: File[]; tooLarge: File[] } {
  const list = Array.from(picked);
  return { files: [...current, ...list.filter((f) => f.size <= MAX_FILE_BYTES)].slice(0, max), tooLarge: list.filter((f) => f.size > MAX_FILE_BYTES) };
}

/** A composer's attached files as small chips, each with a remove button. */
export function FileChips({ files, onRemove, withSize = false, ...group }: { files: File[]; onRemove: (index: number) => void; withSize?: boolean } & GroupProps & { 'data-testid'?: string }) {
  const { t } = useTranslation();
  if (files.length === 0) return null;
  return (
    <Group gap={6} {...group}>
      {files.map((f, i) => (
        <Badge
          key={`${f.name}-${i}`}
          variant="light"
          color="gray"
          leftSection={<IconPaperclip size={10} />}
          rightSection={
            <ActionIcon size="xs" variant="transparent" color="gray" aria-label={t('portal.files.remove', { name: f.name })} onClick={() => onRemove(i)}>
              ×
            </ActionIcon>
          }
          style={{ textTransform: 'none' }}
        >
          {withSize ? `${f.name} (${fileSize(f.size)})` : f.name}
        </Badge>
      ))}
    </Group>
  );
}

/** Screenshots and PDFs: pick several, see names and sizes, drop one; anything over 20 MB is refused here. */
export function FilePicker({ files, onChange, onReject, disabled, testId, max = 10 }: Props) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);

  function add(list: FileList | null) {
    if (!list) return;
    const { files: next, tooLarge } = addFiles(files, list, max);
    const ok = Array.from(list).filter((f) => f.size <= MAX_FILE_BYTES);
    const messages: string[] = [];
    if (tooLarge.length > 0) messages.push(t('portal.files.tooLarge', { names: tooLarge.map((f) => f.name).join(', '), size: fileSize(MAX_FILE_BYTES) }));
    if (files.length + ok.length > max) messages.push(t('portal.files.tooMany', { max }));
    onReject(messages.length ? messages.join(' ') : null);
    onChange(next);
    // Let the same file be picked again after it was removed.
    if (input.current) input.current.value = '';
  }

  return (
    <Stack gap={6}>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT_FILES}
        hidden
        onChange={(e) => add(e.currentTarget.files)}
        data-testid={`${testId}-input`}
      />
      <Group gap="xs">
        <Button variant="default" size="xs" leftSection={<IconPaperclip size={14} />} onClick={() => input.current?.click()} disabled={disabled || files.length >= max} data-testid={`${testId}-button`}>
          {t('portal.files.add')}
        </Button>
        <Text size="xs" c="dimmed">
          {t('portal.files.hint', { size: fileSize(MAX_FILE_BYTES) })}
        </Text>
      </Group>
      {files.length > 0 && (
        <Stack gap={2} data-testid={`${testId}-list`}>
          {files.map((f, i) => (
            <Group key={`${f.name}-${i}`} gap="xs" wrap="nowrap">
              <IconPaperclip size={14} />
              <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
                {f.name}
              </Text>
              <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                {fileSize(f.size)}
              </Text>
              <ActionIcon
                size="sm"
                variant="subtle"
                color="gray"
                aria-label={t('portal.files.remove', { name: f.name })}
                onClick={() => onChange(files.filter((_, j) => j !== i))}
                disabled={disabled}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
