import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cached } from '../domain/cache.ts';
import type { Services } from '../domain/context.ts';
import { settingsReader } from '../domain/system/settings.ts';

/**
 * Security headers on every response, decided in one place. A route that sets its own
 * Content-Security-Policy (the help center pages with their nonces, file downloads with their
 * sandbox) keeps it; everything else gets the policy of its kind:
 *
 * - the web app (/agent, /admin, /tickets, /login, /chat): scripts and styles only from our own
 *   origin. Mantine writes <style> tags and style attributes at run time, so style-src also
 *   allows inline styles; scripts never run inline. Framed by our own pages only —
 * - except the widget's chat page (/chat?embed=…), which the sites in the "widget allowed
 *   origins" setting may frame (any site while that list is empty, so existing embeds keep working);
 * - the API docs: swagger-ui from our origin, inline styles;
 * - everything else (API JSON, files, webhooks, plain pages): nothing may load or frame it.
 */

const SPA_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  // Screenshots shown before upload are blob: URLs; article and email images may be remote.
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  // Same-origin fetches and the Socket.IO websocket ('self' covers ws:/wss: to our own host).
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const DOCS_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const NONE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Powerful browser features none of our pages use. */
const PERMISSIONS = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), midi=()';

/**
 * The frame-ancestors directive of the widget's chat page: the listed sites, or none at all while
 * the list is empty (any page may embed it — also a file:// or about:blank test page, which `*`
 * would not match).
 */
async function widgetAncestors(services: Services): Promise<string> {
  const { widgetAllowedOrigins } = await cached(services, 'widget-allowed-origins', ['settings.'], 60_000, () => settingsReader(services.database.db));
  // Values were checked on the way in (WidgetOrigin); re-checked here because they go into a header.
  const origins = widgetAllowedOrigins.filter((o) => /^https?:\/\/[a-z0-9*.:-]+$/.test(o));
  return origins.length ? `; frame-ancestors 'self' ${origins.join(' ')}` : '';
}

const isWidgetFrame = (req: FastifyRequest, path: string) => (path === '/chat' || path.startsWith('/chat/')) && typeof (req.query as Record<string, unknown> | undefined)?.embed === 'string';

/** Adds the headers to every response (see above); `spaPrefixes` are the web app's paths. */
export function registerSecurityHeaders(app: FastifyInstance, services: Services, spaPrefixes: readonly string[]): void {
  // Browsers that have seen https keep to it; only meaningful when we are served over https.
  const hsts = services.env.publicUrl.startsWith('https://') ? 'max-age=31536000' : null;
  const isSpa = (path: string) => spaPrefixes.some((p) => path === p || path.startsWith(`${p}/`));

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!;
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    reply.header('permissions-policy', PERMISSIONS);
    if (hsts) reply.header('strict-transport-security', hsts);
    if (reply.hasHeader('content-security-policy')) {
      if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
      return;
    }
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (html && isSpa(path)) {
      if (isWidgetFrame(req, path)) {
        // X-Frame-Options cannot name several sites; frame-ancestors alone decides.
        reply.header('content-security-policy', `${SPA_POLICY}${await widgetAncestors(services)}`);
      } else {
        reply.header('content-security-policy', `${SPA_POLICY}; frame-ancestors 'self'`).header('x-frame-options', 'SAMEORIGIN');
      }
      return;
    }
    reply.header('content-security-policy', path.startsWith('/api/docs') ? DOCS_POLICY : NONE_POLICY).header('x-frame-options', 'DENY');
  });
}
