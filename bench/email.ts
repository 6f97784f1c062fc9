import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import nodemailer from 'nodemailer';
import pg from 'pg';
import { benchMail } from './email-mail.ts';
import { freshDatabase } from './database.ts';

/**
 * bench:email — mail ingested per second over SMTP (8 connections, a typical 20 KB multipart
 * mail, half Chinese) into tickets on PostgreSQL, beside a baseline of smtp-server + the same
 * parser storing nothing, measured in the same run. Then the p99 of an ordinary API request
 * with and without a 10 MB mail being ingested at the same time. Loopback only, bounded counts.
 */
const ROOT = join(import.meta.dirname, '..');
const COUNT = Number(process.env.BENCH_EMAILS ?? 1200);
const CONNECTIONS = 8;
const ADDRESS = 'support@bench.test';

function startProcess(args: string[], env: Record<string, string>, ready: RegExp[]): Promise<{ child: ChildProcess; found: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const found = ready.map((r) => r.exec(out)?.[1]);
      if (found.every(Boolean)) resolve({ child, found: found as string[] });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}):\n${out}`)));
  });
}

/** Sends the mails over CONNECTIONS pooled SMTP connections; returns messages per second (all must get 250). */
async function send(port: number, mails: Buffer[]): Promise<{ perSecond: number; seconds: number }> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });
  const started = performance.now();
  await Promise.all(mails.map((raw) => transport.sendMail({ envelope: { from: 'customer@example.com', to: [ADDRESS] }, raw })));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return { perSecond: Math.round(mails.length / seconds), seconds };
}

async function p99(url: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({ url, connections: 8, duration: seconds, headers });
  return { requestsPerSecond: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

const db = await freshDatabase(`sb_bench_email_${Date.now()}`);
const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-email-'));
const processes: ChildProcess[] = [];
try {
  const env = { DATABASE_URL: db.url, SEED_DEMO: '0', LOG_LEVEL: 'error', REDIS_URL: '', DATA_DIR: dataDir, SECRET_KEY: 'bench-secret-key-0123456789' };
  const token = spawnSync(process.execPath, ['bin/switchboard.js', 'create-api-token', '--name', 'bench', '--role', 'admin'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const bearer = /\n(sb_\S+)/.exec(token.stdout)?.[1];
  if (!bearer) throw new Error(`could not create a token: ${token.stderr}`);
  const auth = { authorization: `Bearer ${bearer}` };

  const sb = await startProcess([...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'bin/switchboard.js', 'serve'], { ...env, PORT: '0', SMTP_PORT: '0', HOST: '127.0.0.1' }, [/Switchboard listening on (http:\/\/localhost:\d+)/, /SMTP listener on port (\d+)/]);
  processes.push(sb.child);
  const [url, smtpPort] = sb.found as [string, string];
  const inbox = await fetch(`${url}/api/v1/inboxes`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'email', name: 'Bench', settings: { address: ADDRESS } }) });
  if (inbox.status !== 201) throw new Error(`inbox: ${inbox.status} ${await inbox.text()}`);
  const base = await startProcess(['--import', 'tsx', 'bench/email-baseline-server.ts'], {}, [/email baseline listening on port (\d+)/]);
  processes.push(base.child);

  const mails = await Promise.all(Array.from({ length: COUNT + 100 }, (_, i) => benchMail(i, ADDRESS)));
  const averageKb = Math.round(mails.reduce((n, m) => n + m.length, 0) / mails.length / 1024);
  // Warm-up on both (JIT, pools), then the measured runs.
  await send(Number(base.found[0]), mails.slice(0, 100));
  await send(Number(smtpPort), mails.slice(0, 100));
  const baseline = await send(Number(base.found[0]), mails.slice(100));

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const processed = async () => Number((await client.query(`select count(*) from inbound_deliveries where status <> 'received'`)).rows[0].count);
  while ((await processed()) < 100) await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const accepted = await send(Number(smtpPort), mails.slice(100));
  // Ingested = parsed and placed in a ticket (or recognised), not only stored raw.
  const deadline = Date.now() + 600_000;
  while ((await processed()) < COUNT + 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const done = await processed();
  const ingestSeconds = (performance.now() - t0) / 1000;
  const tickets = Number((await client.query(`select count(*) from conversations`)).rows[0].count);
  const ingested = { perSecond: Math.round((done - 100) / ingestSeconds), seconds: ingestSeconds, processed: done - 100, tickets };

  // API p99 alone, then while 10 MB mails are ingested one after another (BENCH_EMAIL_INGEST_ONLY=1 skips it, for profiling).
  const ingestOnly = process.env.BENCH_EMAIL_INGEST_ONLY === '1';
  const listUrl = `${url}/api/v1/conversations?limit=20`;
  if (!ingestOnly) await p99(listUrl, auth, 3);
  const quiet = ingestOnly ? { requestsPerSecond: 0, p50: 0, p99: 0, errors: 0, non2xx: 0 } : await p99(listUrl, auth, 8);
  const big = await benchMail(1, ADDRESS, 10 * 1024 * 1024);
  let stop = ingestOnly;
  let bigSent = 0;
  const bigLoop = (async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: Number(smtpPort), secure: false, ignoreTLS: true });
    while (!stop) {
      await transport.sendMail({ envelope: { from: 'customer@example.com', to: [ADDRESS] }, raw: big.toString('latin1').replace(/Message-ID: <[^>]+>/i, `Message-ID: <big-${bigSent}-${Date.now()}@example.com>`) });
      bigSent++;
    }
    transport.close();
  })();
  const loaded = ingestOnly ? quiet : await p99(listUrl, auth, 8);
  stop = true;
  await bigLoop;
  await client.end();

  const results = {
    mailKb: averageKb,
    count: COUNT,
    baselineParseOnly: baseline,
    switchboardAccepted: accepted,
    switchboardIngested: ingested,
    ratioIngestedToBaseline: +(ingested.perSecond / baseline.perSecond).toFixed(2),
    ratioAcceptedToBaseline: +(accepted.perSecond / baseline.perSecond).toFixed(2),
    apiWithoutBigMail: quiet,
    apiWhileIngesting10MbMail: { ...loaded, bigMailsSent: bigSent },
    p99Ratio: +(loaded.p99 / Math.max(1, quiet.p99)).toFixed(2),
  };
  console.log(`\nbench:email — ${COUNT} mails of ~${averageKb} KB over ${CONNECTIONS} SMTP connections`);
  console.log(`  baseline (smtp-server + parser, stores nothing): ${baseline.perSecond} msg/s`);
  console.log(`  Switchboard accepted (250 after commit):         ${accepted.perSecond} msg/s  (${results.ratioAcceptedToBaseline}× baseline)`);
  console.log(`  Switchboard ingested (parsed, in tickets):       ${ingested.perSecond} msg/s  (${results.ratioIngestedToBaseline}× baseline; targets ≥ 300 msg/s and ≥ 0.4×)`);
  console.log(`  API p99 GET /conversations: ${quiet.p99} ms alone, ${loaded.p99} ms while ${bigSent} × 10 MB mail ingested (${results.p99Ratio}×; target ≤ 2×)`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `email-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
  console.log(`  written to ${file}`);
} finally {
  // Each process is given a few seconds to shut down cleanly (a --cpu-prof profile is written then).
  await Promise.all(processes.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : (p.once('exit', r), p.kill('SIGTERM'), setTimeout(r, 8000))))));
  await db.drop().catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}
