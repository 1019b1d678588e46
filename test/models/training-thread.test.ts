// LOCAL training runs in the worker's trainer thread: progress moves while it
// computes, a cancel terminates the thread (the computation stops, it does not
// just go unrecorded), and a thread that dies fails the attempt for BullMQ to
// retry, which then makes exactly one version.
import { readdirSync, readFileSync } from 'node:fs';
import { startWorker } from '../../jobs/worker';
import { TRAINER_NICE, TrainerPool } from '../../src/modules/models/trainer-pool';
import { runTraining } from '../../src/modules/models/training';
import {
  CancelTrainingJobDocument, CreateDatasetDocument, CreateModelDocument, DatasetByIdDocument, ModelByIdDocument, TrainingJobByIdDocument, TrainModelDocument,
} from '../__generated__/typed-documents';
import { qaJsonLines } from '../bench/training-data';
import { type Account, signUpEnterprise } from '../factories/accounts';
import { startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let owner: Account;
let pool: TrainerPool;
beforeAll(async () => {
  server = await startServer();
  owner = await signUpEnterprise(server);
  pool = new TrainerPool();
});
afterAll(async () => {
  await pool.destroy();
  await server.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i += 1) {
    const value = await probe();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`${what} did not happen`);
}

/** A model and a queued LOCAL job over `count` READY datasets of about 1 MiB each (validated by a worker that is then stopped). */
async function queuedJob(count: number) {
  const model = (await server.gql(CreateModelDocument, { input: { organizationId: owner.organizationId!, name: '하루', persona: { displayName: '하루' } } }, { token: owner.token })).data!.createModel;
  const validator = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  const datasetIds: string[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const content = qaJsonLines(1000 * 1024, 100 + i).toString('utf8');
      const created = await server.gql(CreateDatasetDocument, { input: { organizationId: owner.organizationId!, name: `qa ${i}`, kind: 'QA_CONVERSATION', format: 'JSONL', content } }, { token: owner.token });
      expect(created.errors).toBeUndefined();
      const id = created.data!.createDataset.dataset.id;
      await until(async () => {
        const d = (await server.gql(DatasetByIdDocument, { id }, { token: owner.token })).data?.dataset;
        return d?.status === 'READY' ? d : d?.status === 'VALIDATING' ? null : Promise.reject(new Error(`dataset ${d?.status}`));
      }, 'validation');
      datasetIds.push(id);
    }
  } finally {
    await validator.close();
  }
  const queued = await server.gql(TrainModelDocument, { input: { modelId: model.id, datasetIds } }, { token: owner.token });
  expect(queued.errors).toBeUndefined();
  return { modelId: model.id, jobId: queued.data!.trainModel.id };
}

const jobOf = async (id: string) => (await server.gql(TrainingJobByIdDocument, { id }, { token: owner.token })).data!.trainingJob!;

/** Samples the job's progress every 50 ms while `running` lasts. */
async function sampled(jobId: string, running: Promise<unknown>): Promise<number[]> {
  const seen: number[] = [];
  let done = false;
  void running.finally(() => { done = true; }).catch(() => undefined);
  while (!done) {
    seen.push((await jobOf(jobId)).progress);
    await sleep(50);
  }
  seen.push((await jobOf(jobId)).progress);
  return seen;
}

/** The nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNiceness(): Map<number, number> {
  const niceness = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    niceness.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return niceness;
}

describe('LOCAL training in the trainer thread', () => {
  it('given a training, then its progress moves through several values while the thread computes, never back, and ends at 1', async () => {
    const { jobId, modelId } = await queuedJob(2);
    const before = threadNiceness();
    const running = runTraining(server.app.orm, server.app.storage, server.app.log, jobId, { trainer: pool });
    // The trainer thread, and it alone, yields the CPU to the rest of the worker.
    const during = await until(async () => (pool.threads > 0 && [...threadNiceness().values()].includes(TRAINER_NICE) ? threadNiceness() : null), 'the trainer thread', 1200);
    expect(during.get(process.pid)).toBe(0);
    expect([...during].filter(([tid, nice]) => nice !== 0 && !before.has(tid)).map(([, nice]) => nice)).toEqual([TRAINER_NICE]);
    const seen = await sampled(jobId, running);
    expect(await running).toBe('SUCCEEDED');
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    const intermediate = new Set(seen.filter((p) => p > 0 && p < 1));
    expect(intermediate.size).toBeGreaterThanOrEqual(4);
    // Values from the build itself (0.4 to 0.9), not only the bookkeeping around it.
    expect([...intermediate].filter((p) => p > 0.4 && p < 0.9).length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)).toBe(1);
    const job = await jobOf(jobId);
    expect(job.events.map((e) => e.message)).toEqual(expect.arrayContaining(['started', expect.stringMatching(/^read \d+ redacted records from 2 datasets$/), 'model built', 'artifact stored']));
    expect((await server.gql(ModelByIdDocument, { id: modelId }, { token: owner.token })).data!.model!.versions).toEqual([{ version: 1 }]);
  }, 120_000);

  it('given a training the thread is computing, when cancelled, then the thread is terminated at once and nothing more is written', async () => {
    const { jobId, modelId } = await queuedJob(3);
    const running = runTraining(server.app.orm, server.app.storage, server.app.log, jobId, { trainer: pool });
    await until(async () => (await jobOf(jobId)).progress > 0.45 && pool.threads > 0, 'the build in the thread', 1200);

    const cancelledAt = Date.now();
    const cancelled = await server.gql(CancelTrainingJobDocument, { id: jobId }, { token: owner.token });
    expect(cancelled.data!.cancelTrainingJob.status).toBe('CANCELLED');
    expect(await running).toBe('CANCELLED');
    const stoppedAfterMs = Date.now() - cancelledAt;
    // The thread is gone: the computation stopped, it was not left to run to its end.
    expect(pool.threads).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(5000);
    const after = await jobOf(jobId);
    await sleep(1500);
    expect(await jobOf(jobId)).toEqual(after);
    expect(after.status).toBe('CANCELLED');
    expect(after.progress).toBeLessThan(0.9);
    expect(after.events.map((e) => e.message)).not.toContain('model built');
    expect((await server.gql(ModelByIdDocument, { id: modelId }, { token: owner.token })).data!.model!).toMatchObject({ status: 'DRAFT', versions: [] });
  }, 120_000);

  it('given the trainer thread dies mid-training, then the attempt fails (for BullMQ to retry), and the retry makes exactly one version', async () => {
    const { jobId, modelId } = await queuedJob(2);
    const first = runTraining(server.app.orm, server.app.storage, server.app.log, jobId, { trainer: pool });
    await until(async () => (await jobOf(jobId)).progress > 0.45 && pool.threads > 0, 'the build in the thread', 1200);
    await pool.killThreads();
    await expect(first).rejects.toThrow();
    expect(await jobOf(jobId)).toMatchObject({ status: 'RUNNING', resultVersion: null });

    expect(await runTraining(server.app.orm, server.app.storage, server.app.log, jobId, { trainer: pool })).toBe('SUCCEEDED');
    expect(await jobOf(jobId)).toMatchObject({ status: 'SUCCEEDED', attempts: 2, resultVersion: { version: 1 } });
    expect((await server.gql(ModelByIdDocument, { id: modelId }, { token: owner.token })).data!.model!.versions).toEqual([{ version: 1 }]);
  }, 120_000);

  it('given more redacted data than TRAINING_INPUT_MAX_BYTES, then the job fails at once without retries', async () => {
    const { jobId } = await queuedJob(1);
    await expect(runTraining(server.app.orm, server.app.storage, server.app.log, jobId, { trainer: pool, inputMaxBytes: 1000 }))
      .rejects.toMatchObject({ name: 'UnrecoverableError', message: expect.stringContaining('exceeds TRAINING_INPUT_MAX_BYTES (1000)') });
    expect((await jobOf(jobId)).events.map((e) => e.message)).not.toContain('model built');
  }, 120_000);
});
