import { DataSubjectRequest } from '../src/modules/data-subject-requests/dsr.entity';
import { publishDataSubjectRequestUpdated } from '../src/realtime/publish';
import type { JobDefinition } from './job';
import { QUEUES } from './queues';

const OPEN = new Set(['SUBMITTED', 'IN_PROGRESS']);

/** A data-subject request's work, through the same service the API uses, with a system context. */
export const dataSubjectRequestsJob: JobDefinition<typeof QUEUES.dataSubjectRequests> = {
  queue: QUEUES.dataSubjectRequests,
  concurrency: 2,
  async process({ orm, services }, job) {
    const { requestId } = job.data;
    const em = orm.em.fork();
    const request = await em.findOne(DataSubjectRequest, requestId);
    if (!request || !OPEN.has(request.status)) return { status: request?.status ?? null };
    return { status: (await services.dataSubjectRequests.process(em, requestId).finally(() => publishDataSubjectRequestUpdated(requestId)))?.status ?? null };
  },
  // Out of retries: the request stays open and is flagged for the officer.
  async onFinalFailure({ orm, services }, job, error) {
    await services.dataSubjectRequests.markFailed(orm, job.data.requestId, error);
  },
};
