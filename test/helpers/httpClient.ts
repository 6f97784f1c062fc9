/**
 * A browser-like HTTP client of a running server process, for tests that talk to real processes
 * over the network (multi-process, faults): it keeps the cookies the server sets (dropping cleared
 * ones) and sends the CSRF token with them, as the web app does. `headers` go with every request
 * (e.g. a bearer token). Paths are under /api/v1, except /healthz.
 */
export function httpClient(initialBase: string, headers: Record<string, string> = {}) {
  let base = initialBase;
  let cookie = '';
  let csrf = '';
  return {
    get cookie() {
      return cookie;
    },
    get base() {
      return base;
    },
    /** Talk to another process from now on, with the same session. */
    moveTo(url: string) {
      base = url;
    },
    /** Another tab of the same browser: same session, its own process to talk to. */
    fork(url: string) {
      const tab = httpClient(url, headers);
      tab.adopt(cookie, csrf);
      return tab;
    },
    adopt(c: string, token: string) {
      cookie = c;
      csrf = token;
    },
    async request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
      const send = () =>
        fetch(`${base}${path.startsWith('/healthz') ? '' : '/api/v1'}${path}`, {
          method,
          headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}), ...(cookie ? { cookie, 'x-csrf-token': csrf } : {}), ...extra },
          body: body ? JSON.stringify(body) : undefined,
        });
      // As a browser does: a GET on a kept-alive connection the other side reset just then is sent
      // once more on a new one (only a GET: it changes nothing, so it cannot happen twice).
      const res = await send().catch((err: { cause?: { code?: string } }) => {
        if (method === 'GET' && err?.cause?.code === 'ECONNRESET') return send();
        throw err;
      });
      const set = res.headers.getSetCookie();
      if (set.length) {
        const jar = new Map(cookie ? cookie.split('; ').map((c) => c.split('=') as [string, string]) : []);
        for (const c of set) {
          const [pair] = c.split(';');
          const [k, ...v] = pair!.split('=');
          jar.set(k!, v.join('='));
        }
        // A cleared cookie (logout) is no longer sent.
        cookie = [...jar]
          .filter(([, value]) => value)
          .map(([name, value]) => `${name}=${value}`)
          .join('; ');
        csrf = jar.get('sb_csrf') ?? csrf;
      }
      const text = await res.text();
      let json: any = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON (a proxy's or the HTTP parser's page): the status and text say what happened.
      }
      return { status: res.status, json, text };
    },
  };
}

export type HttpClient = ReturnType<typeof httpClient>;
