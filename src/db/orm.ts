import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { createLogger } from '../logging/logger';
import { ENTITIES } from './entities';

let knexLogger: Logger | null = null;
/** knex's own messages (a pooled connection lost while PostgreSQL is away) go through the JSON logger, never console.log. */
const driverLog = () => (knexLogger ??= createLogger({ logLevel: process.env.LOG_LEVEL || (process.env.NODE_ENV === 'test' ? 'silent' : 'info') }).child({ component: 'knex' }));
const KNEX_LOG = {
  warn: (message: unknown) => driverLog().warn(String(message)),
  error: (message: unknown) => driverLog().error(String(message)),
  deprecate: (message: unknown) => driverLog().warn(String(message)),
  debug: () => undefined,
};

export function ormOptions(config: Pick<Config, 'databaseUrl'>, extra: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: config.databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      path: `${__dirname}/../../migrations`,
      pathTs: `${__dirname}/../../migrations`,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: true,
      emit: 'ts',
      snapshotName: '.snapshot',
    },
    // References and collections resolve through MikroORM's dataloader: no N+1.
    dataloader: true,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: 10 },
    driverOptions: { log: KNEX_LOG },
    debug: false,
    ...extra,
  });
}

/** Creates the database named in the URL when it is missing (npm start on a fresh machine). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error('DATABASE_URL must name a database of letters, digits and _');
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        // Another process created it between the check and the create: 42P04, or 23505 when both create at once.
        const code = (error as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function openOrm(config: Pick<Config, 'databaseUrl'>, extra: Partial<Options> = {}): Promise<MikroORM> {
  return MikroORM.init<PostgreSqlDriver>(ormOptions(config, extra));
}

export async function migrate(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
}

// Any fixed number of our own: the advisory lock that serialises schema changes across processes.
const PREPARE_LOCK = 4_172_026;

/**
 * Runs `work` (migrations, reference data) while holding a PostgreSQL advisory lock on a connection of its own:
 * N API processes and M workers started at once on a fresh database migrate one after the other, and each later one
 * finds nothing left to do. The lock ends with its connection, so a process killed mid-migration does not keep it.
 */
export async function withPrepareLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PREPARE_LOCK]);
    return await work();
  } finally {
    await client.end();
  }
}
