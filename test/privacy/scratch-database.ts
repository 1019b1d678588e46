import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { ensureDatabase, migrate, openOrm } from '../../src/db/orm';
import { seedReferenceData } from '../../src/db/seed';

/**
 * A throwaway database beside the suite's own (its name plus a suffix), for
 * tests that must not touch the shared one: master-key rotation, retention.
 * Prepared in-process as prepareDatabase does (this file's module realm holds
 * the one copy of the entities), with the migrator's progress lines silenced.
 */
export interface ScratchDatabase {
  url: string;
  prepare(): Promise<void>;
  drop(): Promise<void>;
}

export function scratchDatabase(suffix: string): ScratchDatabase {
  const base = new URL(loadConfig().databaseUrl);
  const name = `${base.pathname.slice(1)}_${suffix}`;
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const adminUrl = new URL(base.toString());
  adminUrl.pathname = '/postgres';

  const drop = async () => {
    const admin = new Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    try {
      await admin.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end();
    }
  };

  return {
    url: url.toString(),
    drop,
    async prepare() {
      await drop();
      await ensureDatabase(url.toString());
      const orm = await openOrm({ databaseUrl: url.toString() }, { logger: () => undefined });
      try {
        await migrate(orm);
        await seedReferenceData(orm.em.fork());
      } finally {
        await orm.close(true);
      }
    },
  };
}
