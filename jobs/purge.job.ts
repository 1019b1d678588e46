import { randomUUID } from 'node:crypto';
import { executePurge, failPurgeRun } from '../src/modules/retention/purge';
import { PurgeRun, PurgeRunStatus } from '../src/modules/retention/retention.entity';
import type { JobDefinition } from './job';
import { QUEUES } from './queues';

/** The retention purge (src/modules/retention/purge.ts): on demand (a run id) or daily (the job opens the run). */
export const purgeJob: JobDefinition<typeof QUEUES.purge> = {
  queue: QUEUES.purge,
  concurrency: 1,
  async process({ orm, storage }, job) {
    let runId = job.data.purgeRunId;
    if (!runId) {
      // The run's id goes on the job before the run exists: a retry (or a crash in between) runs the same PurgeRun, never a second.
      runId = randomUUID();
      await job.updateData({ ...job.data, purgeRunId: runId });
    }
    const em = orm.em.fork();
    const run = await em.findOne(PurgeRun, runId);
    if (run?.status === PurgeRunStatus.SUCCEEDED) return { purgeRunId: runId };
    if (!run) {
      em.create(PurgeRun, { id: runId, dryRun: false });
      await em.flush();
    }
    await executePurge(orm, storage, runId);
    return { purgeRunId: runId };
  },
  async onFinalFailure({ orm }, job, error) {
    if (job.data.purgeRunId) await failPurgeRun(orm, job.data.purgeRunId, error);
  },
};
