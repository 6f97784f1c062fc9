import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AgentRole } from '../../common/enums.ts';
import { buildApp } from '../../server/app.ts';
import { type Actor, type Services, SYSTEM, transact } from '../../server/domain/context.ts';
import { agentCreator } from '../../server/domain/directory/agents.ts';
import { teamCreator } from '../../server/domain/directory/teams.ts';
import { apiTokenCreator } from '../../server/domain/auth/apiTokens.ts';
import { hashPassword } from '../../server/domain/auth/secrets.ts';
import { contacts } from '../../server/db/schema.ts';
import { loadEnv } from '../../server/env.ts';
import { startBoss } from '../../server/jobs/boss.ts';
import { startEventProcessor } from '../../server/jobs/eventProcessor.ts';
import { startDeliveryWorker } from '../../server/jobs/deliveryWorker.ts';
import { startInboundProcessor } from '../../server/jobs/inboundProcessor.ts';
import { createLocalBus, type DomainEvent } from '../../server/realtime/bus.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from './db.ts';

export const PASSWORD = 'correct horse battery';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: TestDatabase;
  /** Events published on the bus, in order. */
  published: DomainEvent[];
  /** Moves the clock (SLA, lockouts, TOTP). */
  setNow(date: Date): void;
  close(): Promise<void>;
}

/** A full app (API, policy, database) without a listening socket; requests go through inject. */
export async function createTestApp(kind: DbKind, envOverrides: Record<string, string> = {}, options: { jobs?: boolean } = {}): Promise<TestApp> {
  const db = await createTestDatabase(kind);
  const bus = createLocalBus();
  const published: DomainEvent[] = [];
  bus.subscribe((e) => void published.push(e));
  let now: Date | null = null;
  const env = loadEnv({ DATA_DIR: '/nonexistent', SECRET_KEY: 'test-secret-key-0123456789', SEED_DEMO: '0', LOG_LEVEL: 'silent', ...envOverrides });
  const boss = options.jobs ? await startBoss(db.database, db.url, () => {}) : null;
  const services: Services = { env, database: db.database, bus, boss, clock: () => now ?? new Date() };
  if (boss) await startEventProcessor(services, boss);
  if (boss) await startDeliveryWorker(services, boss);
  if (boss) await startInboundProcessor(services, boss);
  const app = await buildApp(services);
  await app.ready();
  return {
    app,
    services,
    db,
    published,
    setNow: (d) => void (now = d),
    async close() {
      await app.close();
      await boss?.stop({ graceful: false, wait: true, timeout: 2_000 });
      await db.drop();
    },
  };
}

export const asSystem = <T>(t: TestApp, fn: Parameters<typeof transact<T>>[2]) => transact(t.services, SYSTEM, fn);

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Factory: an agent with a role and teams. */
export async function makeAgent(t: TestApp, options: { role?: AgentRole; teamIds?: string[]; email?: string; name?: string } = {}) {
  return asSystem(t, (ctx) =>
    agentCreator(ctx, {
      email: options.email ?? `${unique('agent')}@test.local`,
      name: options.name ?? 'Test Agent',
      password: PASSWORD,
      role: options.role ?? 'agent',
      languages: ['en'],
      capacity: 3,
      locale: 'en',
      teamIds: options.teamIds ?? [],
    }),
  );
}

export async function makeTeam(t: TestApp, slug = unique('team-')) {
  return asSystem(t, (ctx) => teamCreator(ctx, { slug, name: { en: slug }, description: '', memberIds: [], supervisorIds: [] }));
}

/** Factory: a customer with a password. */
export async function makeContact(t: TestApp, email = `${unique('customer')}@example.com`) {
  const [row] = await t.services.database.db.insert(contacts).values({ email, name: 'Customer', passwordHash: await hashPassword(PASSWORD) }).returning();
  return row!;
}

export async function makeToken(t: TestApp, role: 'admin' | 'agent', teamIds: string[] = []) {
  return asSystem(t, (ctx) => apiTokenCreator(ctx, { name: unique('token'), role, teamIds }));
}

/** A signed-in browser: session cookie + CSRF header on every request. */
export interface Session {
  cookie: string;
  csrf: string;
  request(method: string, url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

function sessionFrom(t: TestApp, res: LightMyRequestResponse): Session {
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookies = res.cookies as { name: string; value: string }[];
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = cookies.find((c) => c.name === 'sb_csrf')!.value;
  return {
    cookie,
    csrf,
    request: (method, url, payload, headers = {}) =>
      t.app.inject({ method: method as any, url, payload: payload as any, headers: { cookie, 'x-csrf-token': csrf, ...headers } }),
  };
}

export async function loginAgent(t: TestApp, email: string, password = PASSWORD): Promise<Session> {
  return sessionFrom(t, await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } }));
}

export async function loginContact(t: TestApp, email: string, password = PASSWORD): Promise<Session> {
  return sessionFrom(t, await t.app.inject({ method: 'POST', url: '/api/v1/auth/customer/login', payload: { email, password } }));
}

/** Polls until check() returns something truthy (jobs run in the background). */
export async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Requests with a Bearer token. */
export function bearer(t: TestApp, token: string) {
  return (method: string, url: string, payload?: unknown) =>
    t.app.inject({ method: method as any, url, payload: payload as any, headers: { authorization: `Bearer ${token}` } });
}

export type { Actor };
