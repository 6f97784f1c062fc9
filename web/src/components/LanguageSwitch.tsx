import { Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import { IconLanguage } from './icons.tsx';

/** One click toggles between English and 简体中文; the button names the language it switches to. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : currentLanguage();
  const other = lang === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <Button
      variant="subtle"
      color="gray"
      size="compact-sm"
      leftSection={<IconLanguage size={16} />}
      onClick={() => setLanguage(other)}
      aria-label={t('nav.switchLanguage')}
      title={t('nav.switchLanguage')}
      data-testid="lang-switch"
      data-lang={lang}
      lang={other}
    >
      {t(`languages.${other}`)}
    </Button>
  );
}
