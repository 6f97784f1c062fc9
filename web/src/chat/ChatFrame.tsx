import { useEffect } from 'react';
import { Box } from '@mantine/core';
import { Outlet, useSearchParams } from 'react-router-dom';
import i18n from '../i18n/index.ts';
import { PortalShell } from '../portal/PortalShell.tsx';

/** Whether the chat runs inside the widget's iframe (?embed=1): no site header, compact layout. */
export function useEmbed(): boolean {
  const [params] = useSearchParams();
  return params.get('embed') === '1';
}

/** /chat: the portal frame on the site, a bare compact frame inside the widget. */
export function ChatFrame() {
  const embed = useEmbed();
  const [params] = useSearchParams();
  const lang = params.get('lang');
  useEffect(() => {
    // The embedding page's language (widget.js passes <html lang>); not stored as the user's choice.
    if (!lang) return;
    const wanted = lang.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
    if (i18n.language !== wanted) void i18n.changeLanguage(wanted);
  }, [lang]);
  if (!embed) return <PortalShell />;
  return (
    <Box h="100vh" bg="gray.0" p={8} style={{ display: 'flex', flexDirection: 'column', overflow: 'hidden' }}>
      <Outlet />
    </Box>
  );
}
