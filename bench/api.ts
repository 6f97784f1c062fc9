import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freshDatabase } from './database.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';

/**
 * bench:api — ticket create and conversation list throughput and latency on PostgreSQL,
 * beside a bare Fastify + pg baseline measured in the same run. Servers run in their own
 * processes; the load comes from this one, over loopback only, for a bounded time.
 */
const ROOT = join(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}):\n${out}`)));
  });
}

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: () => string }, duration = SECONDS, warmUp = true): Promise<Figures> {
  // Warm up first (JIT, module compilation, connection pools); only the second run counts.
  if (warmUp) await load(url, options, 2, false);
  const result = await autocannon({
    url,
    method: options.method,
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body ? { requests: [{ setupRequest: (req: any) => ({ ...req, body: options.body!() }) }] } : {}),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

let n = 0;
const ticketBody = () =>
  JSON.stringify({
    subject: `提币未到账 withdrawal pending #${++n}`,
    body: 'I withdrew 500 USDT over TRC20 two hours ago and it has not arrived. 我两个小时前提了 500 USDT,还没到账。',
    contact: { email: `bench${n % 500}@example.com` },
    fields: { coin: 'USDT', network: 'TRC20' },
  });

const db = await freshDatabase(`sb_bench_${Date.now()}`);
const processes: ChildProcess[] = [];
try {
  const env = { DATABASE_URL: db.url, SEED_DEMO: '0', LOG_LEVEL: 'error', REDIS_URL: '' };
  const token = spawnSync(process.execPath, ['bin/switchboard.js', 'create-api-token', '--name', 'bench', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const bearer = /\n(sb_\S+)/.exec(token.stdout)?.[1];
  if (!bearer) throw new Error(`could not create a token: ${token.stderr}`);

  const sb = await startProcess(['bin/switchboard.js', 'serve'], { ...env, PORT: '0', SMTP_PORT: '0', HOST: '127.0.0.1' }, /Switchboard listening on (http:\/\/localhost:\d+)/);
  processes.push(sb.child);
  const base = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts'], { DATABASE_URL: db.url, PORT: '0' }, /baseline listening on (http:\/\/127\.0\.0\.1:\d+)/);
  processes.push(base.child);
  const auth = { authorization: `Bearer ${bearer}` };

  console.log(`bench:api — ${SECONDS}s per scenario, ${CONNECTIONS} connections, PostgreSQL, loopback\n`);
  const results = {
    ticketCreate: await load(`${sb.url.replace('localhost', '127.0.0.1')}/api/v1/conversations`, { method: 'POST', headers: auth, body: ticketBody }),
    ticketCreateBaseline: await load(`${base.url}/tickets`, { method: 'POST', body: ticketBody }),
    conversationList: await load(`${sb.url.replace('localhost', '127.0.0.1')}/api/v1/conversations?limit=50`, { method: 'GET', headers: auth }),
    conversationListBaseline: await load(`${base.url}/tickets`, { method: 'GET' }),
  };

  const row = (name: string, f: Figures) =>
    `${name.padEnd(34)} ${String(f.requestsPerSecond).padStart(8)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors + f.non2xx}`;
  console.log(row('ticket create (Switchboard)', results.ticketCreate));
  console.log(row('ticket create (baseline insert)', results.ticketCreateBaseline));
  console.log(row('conversation list (Switchboard)', results.conversationList));
  console.log(row('conversation list (baseline select)', results.conversationListBaseline));
  console.log('\ntargets (issue #3): ticket create >= 1500/s at p99 <= 50 ms; list >= 3000/s');

  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `api-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, results }, null, 2));
  console.log(`written to ${file}`);
} finally {
  for (const p of processes) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  await db.drop();
}
