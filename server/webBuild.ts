import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Builds the web app when dist is missing or older than any of its sources. */
export async function buildWebIfStale(log: (line: string) => void = console.log): Promise<void> {
  const index = join(ROOT, 'dist/web/index.html');
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0;
  const newest = (path: string): number => {
    if (!existsSync(path)) return 0;
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), 0);
  };
  const sources = Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'common')), newest(join(ROOT, 'vite.config.ts')));
  if (builtAt > sources) return;
  log('Building the web app …');
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}
