import Fastify from 'fastify';
import pg from 'pg';

/**
 * The baseline for bench:api: bare Fastify + node-postgres doing the least a ticket endpoint
 * could do (one insert, one indexed select). Switchboard's figures are read against it.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`create table if not exists bench_tickets (
  id uuid primary key default gen_random_uuid(), subject text not null, body text not null, email text not null,
  created_at timestamptz not null default now())`);
await pool.query('create index if not exists bench_tickets_created on bench_tickets (created_at desc)');

const app = Fastify();
app.post<{ Body: { subject: string; body: string; contact: { email: string } } }>('/tickets', async (req, reply) => {
  const { rows } = await pool.query('insert into bench_tickets (subject, body, email) values ($1, $2, $3) returning id', [req.body.subject, req.body.body, req.body.contact.email]);
  return reply.code(201).send(rows[0]);
});
app.get('/tickets', async () => ({ items: (await pool.query('select * from bench_tickets order by created_at desc limit 50')).rows }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
console.log(`baseline listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
