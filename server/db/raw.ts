import { getTableColumns, is, SQL, type Table } from 'drizzle-orm';
import { PgDialect, type PgSession } from 'drizzle-orm/pg-core';
import { type Db, preparedName } from './client.ts';

/**
 * Hand-written SQL for the hottest paths (ticket create, the inbox list, the loads every push
 * makes). Building a query with drizzle's builder costs more CPU than PostgreSQL spends running
 * it, and planning a join costs more than running it too; a fixed text run as a named prepared
 * statement avoids both.
 */

/** A piece of SQL with its values, numbered $1, $2 … when it is run. */
export class RawSql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}
}

/**
 * q`select … where id = ${id}`: values become parameters; a nested q`` fragment, or a drizzle
 * sql`` condition (so filters and access rules are written once, with the query builder), is spliced in.
 */
export const q = (strings: TemplateStringsArray, ...values: unknown[]) => new RawSql(strings, values);

/** Text written into the statement as is: only for text the code itself makes, never for input. */
export const sqlText = (text: string) => new RawSql([text], []);

const dialect = new PgDialect();

function render(query: RawSql, params: unknown[]): string {
  let text = query.strings[0]!;
  for (let i = 0; i < query.values.length; i++) {
    const value = query.values[i];
    if (value instanceof RawSql) text += render(value, params);
    else if (is(value, SQL)) {
      const built = dialect.sqlToQuery(value);
      const offset = params.length;
      params.push(...built.params);
      text += built.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    } else {
      params.push(value === undefined ? null : value);
      text += `$${params.length}`;
    }
    text += query.strings[i + 1]!;
  }
  return text;
}

/**
 * Runs the query on the database or transaction `db`; once its text is hot, as a named prepared
 * statement (see preparedName: on PostgreSQL parsed and planned once per connection; PGlite runs
 * it as a plain query). It is one statement, so it is named even without parameters.
 * Rows come back as the driver gives them: snake_case keys; use tableRow for a table's row.
 */
export async function rawRows<R>(db: Db, query: RawSql): Promise<R[]> {
  const params: unknown[] = [];
  const text = render(query, params);
  const session = (db as unknown as { session: PgSession }).session;
  const result = await session.prepareQuery({ sql: text, params }, undefined, preparedName(text) ?? undefined, false).execute();
  return ((result as { rows?: R[] }).rows ?? (result as R[]));
}

/**
 * A row read by hand-written SQL (its columns, or `row_to_json(t)`), turned into what drizzle's
 * own queries give for that table: camelCase keys, Dates, numbers, parsed JSON. Drizzle's own
 * column mappers do it, so both drivers give the same result.
 */
export function tableRow<T extends Table>(table: T, raw: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of columnsOf(table)) {
    const value = raw[column.name];
    out[key] = value == null ? null : column.mapFromDriverValue(value);
  }
  return out as T['$inferSelect'];
}

/**
 * A table's columns, named one by one (optionally qualified): a prepared `select *` would fail
 * with "cached plan must not change result type" once a migration adds a column.
 */
export function columnList(table: Table, qualifier?: string): RawSql {
  return sqlText(columnsOf(table).map(([, column]) => (qualifier ? `${qualifier}."${column.name}"` : `"${column.name}"`)).join(', '));
}

const columnCache = new WeakMap<Table, [string, ReturnType<typeof getTableColumns>[string]][]>();
function columnsOf(table: Table) {
  let columns = columnCache.get(table);
  if (!columns) columnCache.set(table, (columns = Object.entries(getTableColumns(table))));
  return columns;
}
