import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TOKEN_ROLES } from '../common/enums.ts';
import { SYSTEM, transact } from './domain/context.ts';
import { apiTokenCreator, teamRefsResolver } from './domain/auth/apiTokens.ts';
import { agentCreator } from './domain/directory/agents.ts';
import { seedDemo } from './db/seed.ts';
import { AppError } from './errors.ts';
import { loadEnv } from './env.ts';
import { offlineServices, prepareDatabase, startServer } from './main.ts';
import { buildWebIfStale } from './webBuild.ts';
import { articleExporter, articleImporter } from './domain/helpcenter/importExport.ts';
import { resolve } from 'node:path';

const USAGE = `Usage: switchboard <command> [options]

Commands:
  serve [--build]                          start the server (--build: build the web app first if it changed)
  migrate                                  apply database migrations
  seed                                     load the demo desk (once per database)
  create-admin --email E --password P [--name N]
  create-api-token --name N [--role admin|agent] [--team SLUG ...]   prints the token once
                                    (an agent token sees what an agent of its teams sees)
  import-articles DIR                      import help center articles (structure.json + *.md with front matter)
  export-articles DIR                      export them in the same format (round-trips)

Configuration comes from the environment: PORT, HOST, DATA_DIR, DATABASE_URL, REDIS_URL,
SMTP_PORT, SMTP_OUTBOUND_URL, PUBLIC_URL, SEED_DEMO (see README).`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      team: { type: 'string', multiple: true },
      build: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (!command || values.help || command === 'help') {
    console.log(USAGE);
    return;
  }
  const env = loadEnv();

  switch (command) {
    case 'serve': {
      if (values.build) await buildWebIfStale();
      const server = await startServer(env);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'migrate': {
      const { database } = await prepareDatabase(env);
      await database.close();
      console.log(`Database is up to date (${database.kind}).`);
      return;
    }
    case 'seed': {
      const { database, seededNow } = await prepareDatabase({ ...env, SEED_DEMO: '0' });
      const done = seededNow || (await seedDemo(offlineServices(env, database)));
      await database.close();
      console.log(done ? 'Demo desk loaded.' : 'The demo desk was already loaded; nothing to do.');
      return;
    }
    case 'create-admin': {
      const input = z
        .object({ email: z.email(), password: z.string().min(10, 'the password needs at least 10 characters'), name: z.string().default('Administrator') })
        .safeParse(values);
      if (!input.success) throw new AppError('validation_failed', `create-admin: ${input.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const { database } = await prepareDatabase(env);
      try {
        const agent = await transact(offlineServices(env, database), SYSTEM, (ctx) =>
          agentCreator(ctx, { ...input.data, email: input.data.email.toLowerCase(), role: 'admin', languages: ['en', 'zh-CN'], capacity: 3, locale: 'en' }),
        );
        console.log(`Admin ${agent.email} created.`);
      } finally {
        await database.close();
      }
      return;
    }
    case 'create-api-token': {
      const input = z.object({ name: z.string().min(1, 'is required'), role: z.enum(TOKEN_ROLES).default('agent'), team: z.array(z.string().min(1)).default([]) }).safeParse(values);
      if (!input.success) throw new AppError('validation_failed', `create-api-token: ${input.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const { database } = await prepareDatabase(env);
      try {
        // --team takes a team's slug (or id); an agent token sees what an agent of those teams sees.
        const token = await transact(offlineServices(env, database), SYSTEM, async (ctx) =>
          apiTokenCreator(ctx, { name: input.data.name, role: input.data.role, teamIds: await teamRefsResolver(ctx, input.data.team) }),
        );
        const scope = token.role === 'agent' ? ` for ${token.teamIds.length ? `${token.teamIds.length} team(s)` : 'conversations without a team only'}` : '';
        console.log(`API token "${token.name}" (${token.role}${scope}). It is shown only this once:\n${token.token}`);
      } finally {
        await database.close();
      }
      return;
    }
    case 'import-articles':
    case 'export-articles': {
      const dir = positionals[0];
      if (!dir) throw new AppError('validation_failed', `${command}: give a folder, e.g. ${command} ./help`);
      const { database } = await prepareDatabase(env);
      try {
        const services = offlineServices(env, database);
        if (command === 'import-articles') {
          const done = await transact(services, SYSTEM, (ctx) => articleImporter(ctx, resolve(dir)));
          console.log(`Imported ${done.translations} translations of ${done.articles} articles from ${dir}.`);
        } else {
          const done = await transact(services, SYSTEM, (ctx) => articleExporter(ctx, resolve(dir)));
          console.log(`Exported ${done.files} files to ${dir}.`);
        }
      } finally {
        await database.close();
      }
      return;
    }
    default:
      throw new AppError('bad_request', `Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // Operators get a sentence, not a stack trace; DEBUG=1 shows the stack.
  if (process.env.DEBUG) console.error(err);
  const message = err instanceof AppError || err instanceof TypeError || err instanceof Error ? (err as Error).message : String(err);
  console.error(`switchboard: ${message}`);
  process.exit(1);
});
