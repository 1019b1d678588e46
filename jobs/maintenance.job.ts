import type { JobDefinition } from './job';
import { expireSessions } from './expire-sessions';
import { QUEUES } from './queues';
import { reconcile } from './reconcile.job';

/** Scheduled upkeep: expire-sessions (hourly) and reconcile (every RECONCILE_INTERVAL_MS). */
export const maintenanceJob: JobDefinition<typeof QUEUES.maintenance> = {
  queue: QUEUES.maintenance,
  concurrency: 1,
  async process(deps, job) {
    if (job.data.task === 'expire-sessions') return { removed: await expireSessions(deps.orm.em.fork()) };
    if (job.data.task === 'reconcile') {
      const { orm, storage, keys, log, config, connection, services } = deps;
      return reconcile({ orm, storage, keys, log, config, connection, dataSubjectRequests: services.dataSubjectRequests });
    }
    throw new Error(`Unknown maintenance task ${String(job.data.task)}`);
  },
};
