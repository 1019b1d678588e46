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
        // Another process created it between the check and the create.
        if ((error as { code?: string }).code !== '42P04') throw error;
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
