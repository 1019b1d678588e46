// Bench (issue 9, points 1 and 2): LOCAL training of 20 MiB of QA in a real
// worker process, beside the same trainer alone in a plain process; a cancel
// mid-training (how long the worker keeps computing); a 1 MiB validation idle
// and during a training; progress while it runs; then the trained model in the
// real API: memory per loaded model against the artifact's size, the first
// answer on a cold model, and retrieval speed against a Map-based index (how
// the model was held before).
// Alone: node -r @swc-node/register test/bench/training.ts
import 'reflect-metadata';
import { fork, type ChildProcess, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openOrm } from '../../src/db/orm';
import { enqueue } from '../../jobs/queues';
import { Dataset, DatasetFormat, DatasetKind, DatasetStatus } from '../../src/modules/datasets/dataset.entity';
import { datasetObjectKey } from '../../src/modules/datasets/dataset-objects';
import { InfluencerModel, ModelStatus, ModelVersion, TrainingBackend, TrainingJob } from '../../src/modules/models/model.entity';
import { artifactKeyOf, readArtifact, writeArtifact } from '../../src/modules/models/artifact-store';
import { loadArtifact, retrieve, withTermMap } from '../../src/modules/models/retrieval-model';
import { MasterKeys } from '../../src/privacy/key-ring';
import { ObjectKeyOwner } from '../../src/privacy/object-key.entity';
import { ObjectKeys } from '../../src/privacy/object-keys';
import { putEncrypted } from '../../src/storage/encrypted';
import { Storage } from '../../src/storage/storage';
import { signUpInput, uniqueEmail } from '../factories/accounts';
import { type Bench, type Child, cpuSeconds, fixed, goal, gql, machineLine, memoryOf, mib, openBench, runAsScript, sequential, startChild, stopChild } from './scenario-kit';
import { qaJsonLines } from './training-data';

const TRAINING_BYTES = Number(process.env.BENCH_TRAINING_MIB || 20) * 1024 * 1024;
const VALIDATION_BYTES = 1000 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

function startWorkerProcess(bench: Bench): ChildProcess {
  return fork(join(__dirname, '../../jobs/worker.ts'), [], { env: bench.env, execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

export async function trainingBench(): Promise<boolean> {
  console.log(`\nLOCAL training of ${mib(TRAINING_BYTES)} of QA in a worker process (trainer thread), and the model in the API`);
  console.log(machineLine());
  const bench = await openBench('training', 4644, { TRAINING_INPUT_MAX_BYTES: String(64 * 1024 * 1024) });
  let api: Child | null = null;
  let worker: ChildProcess | null = null;
  const results: boolean[] = [];
  try {
    // The baseline first, alone on the machine: the same trainer on the same data in a plain process.
    const alone = JSON.parse(execFileSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'train-alone.ts'), String(TRAINING_BYTES)], { encoding: 'utf8' }).trim().split('\n').at(-1)!) as { ms: number; peakRss: number; artifactBytes: number };
    console.log(`  baseline, the trainer alone in a plain process: ${fixed(alone.ms / 1000)} s, peak RSS ${mib(alone.peakRss)}`);

    api = await startChild('api-server.ts', bench.env);
    const owner = signUpInput({ email: uniqueEmail('owner'), accountType: 'ENTERPRISE', organizationName: 'Bench', department: '마케팅팀', jobTitle: '매니저' });
    const organizationId: string = (await gql(api.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { user { organization { id } } } }', { input: owner })).signUp.user.organization.id;
    const token: string = (await gql(api.url, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }', { e: owner.email, p: owner.password })).signIn.accessToken;

    // Two READY datasets of TRAINING_BYTES each (their redacted copies, encrypted as validation leaves them) and a model per training.
    const orm = await openOrm(bench.config);
    const storage = new Storage({ ...bench.config.s3, endpoint: bench.config.s3.endpoint! });
    const keys = new ObjectKeys(new MasterKeys(bench.config));
    const queueTraining = async (seed: number) => {
      const em = orm.em.fork();
      const model = em.create(InfluencerModel, { organization: organizationId, name: `bench ${seed}`, persona: { displayName: '하루', catchphrases: [], brandValues: [], language: 'ko' } } as never);
      const body = qaJsonLines(TRAINING_BYTES, seed);
      const dataset = em.create(Dataset, {
        organization: organizationId, name: `bench ${seed}`, kind: DatasetKind.QA_CONVERSATION, format: DatasetFormat.JSONL, status: DatasetStatus.READY,
        sizeBytes: body.length, recordCount: body.toString('utf8').split('\n').length - 1,
      } as never);
      dataset.redactedKey = datasetObjectKey(dataset, 'redacted');
      await em.flush();
      await putEncrypted(storage, dataset.redactedKey, await keys.obtain(em, ObjectKeyOwner.DATASET, dataset.id), body);
      model.status = ModelStatus.TRAINING;
      const job = em.create(TrainingJob, { model, backend: TrainingBackend.LOCAL, datasetIds: [dataset.id], events: [] });
      enqueue(em, 'training', { trainingJobId: job.id });
      await em.flush();
      return { jobId: job.id, modelId: model.id };
    };
    const first = await queueTraining(11);
    const second = await queueTraining(12);
    // The second waits in the queue until the first is done: the worker trains one at a time.
    const jobRow = async (id: string) => (await bench.db.query('select status, progress, attempts from training_jobs where id = $1', [id])).rows[0] as { status: string; progress: number; attempts: number };

    const validate = async () => {
      const started = Date.now();
      const content = qaJsonLines(VALIDATION_BYTES, Math.floor(Math.random() * 1e6)).toString('utf8');
      const id: string = (await gql(api!.url, 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { dataset { id } } }',
        { input: { organizationId, name: 'validation', kind: 'QA_CONVERSATION', format: 'JSONL', content } }, token)).createDataset.dataset.id;
      const status = await until(async () => {
        const { rows } = await bench.db.query('select status from datasets where id = $1', [id]);
        return rows[0].status !== 'VALIDATING' && rows[0].status !== 'AWAITING_UPLOAD' ? rows[0].status as string : null;
      }, 'validation');
      if (status !== 'READY') throw new Error(`the validation ended ${status}`);
      return Date.now() - started;
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

    // The trainings are held back in the outbox (marked relayed) while the idle validations run, then released one by one.
    await bench.db.query("update outbox set relayed_at = now() where queue = 'training'");
    worker = startWorkerProcess(bench);
    await sleep(3000);
    const idle: number[] = [];
    for (let i = 0; i < 3; i += 1) idle.push(await validate());
    const rssBefore = memoryOf(worker.pid!);

    // The first training: wall time, progress samples, validations during it.
    await bench.db.query("update outbox set relayed_at = null where queue = 'training' and payload->>'trainingJobId' = $1", [first.jobId]);
    const trainStarted = Date.now();
    await until(async () => (await jobRow(first.jobId)).status === 'RUNNING', 'the training start');
    const progress: { at: number; value: number }[] = [];
    const busy: number[] = [];
    let validating = (async () => {
      await until(async () => (await jobRow(first.jobId)).progress >= 0.4, 'the build', 600_000);
      for (let i = 0; i < 3 && (await jobRow(first.jobId)).status === 'RUNNING'; i += 1) busy.push(await validate());
    })();
    for (;;) {
      const row = await jobRow(first.jobId);
      progress.push({ at: Date.now(), value: row.progress });
      if (row.status !== 'RUNNING') break;
      await sleep(200);
    }
    const trainMs = Date.now() - trainStarted;
    await validating.catch((error) => console.error(error));
    validating = Promise.resolve();
    const final = await jobRow(first.jobId);
    if (final.status !== 'SUCCEEDED') throw new Error(`the training ended ${final.status}`);
    const peak = memoryOf(worker.pid!).peak;
    let monotonic = true;
    let longestGap = 0;
    let lastChange = progress[0].at;
    let lastValue = progress[0].value;
    // The goal: a report at least every 5% or every 2 s. A change that jumps more than 5% after more than 2 s
    // without one misses it (the last jump, to done, is the job finishing, not a report).
    let missed = 0;
    let largestStep = 0;
    for (let i = 1; i < progress.length; i += 1) {
      if (progress[i].value < progress[i - 1].value) monotonic = false;
      if (progress[i].value !== progress[i - 1].value) {
        const gap = progress[i].at - lastChange;
        const step = progress[i].value - lastValue;
        longestGap = Math.max(longestGap, gap);
        if (progress[i].value < 1) {
          largestStep = Math.max(largestStep, step);
          if (step > 0.05 + 1e-9 && gap > 2000 + 200) missed += 1;
        }
        lastChange = progress[i].at;
        lastValue = progress[i].value;
      }
    }
    const distinct = new Set(progress.map((p) => p.value)).size;
    console.log(`  worker: ${fixed(trainMs / 1000)} s from start to version (trainer alone ${fixed(alone.ms / 1000)} s, ${fixed(trainMs / alone.ms, 2)}x), attempts ${final.attempts}, RSS ${mib(rssBefore.rss)} before, peak ${mib(peak)}`);
    results.push(goal('20 MiB training peak RSS (worker process)', `${mib(peak)} (trainer alone ${mib(alone.peakRss)})`, peak <= 400 * 1024 * 1024, '<= 400 MiB'));
    results.push(goal('training progress', `${distinct} distinct values, longest time without a change ${fixed(longestGap / 1000)} s, largest step ${fixed(largestStep * 100)}%, ${missed} reports later than both 5% and 2 s, ${monotonic ? 'monotonic' : 'NOT monotonic'}, attempts ${final.attempts} (the lock was renewed: no stall, no retry)`,
      monotonic && distinct >= 10 && missed === 0 && final.attempts === 1, 'every 5% or 2 s, monotonic, one attempt'));
    const idleMs = median(idle);
    const busyMs = busy.length ? median(busy) : Number.NaN;
    results.push(goal('1 MiB validation during a 20 MiB training', `median ${busyMs} ms vs ${idleMs} ms idle (${fixed(busyMs / idleMs, 2)}x, ${busy.length} runs)`, busy.length > 0 && busyMs <= 1.5 * idleMs, '<= 1.5x idle'));

    // Cancel mid-training: how long the worker keeps computing afterwards.
    await bench.db.query("update outbox set relayed_at = null where queue = 'training' and payload->>'trainingJobId' = $1", [second.jobId]);
    await until(async () => (await jobRow(second.jobId)).progress >= 0.5, 'the second build');
    const cancelledAt = Date.now();
    await gql(api.url, 'mutation($id: ID!) { cancelTrainingJob(id: $id) { status } }', { id: second.jobId }, token);
    let stoppedAt = Number.NaN;
    for (let cpu = cpuSeconds(worker.pid!), t = Date.now(); Date.now() - cancelledAt < 20_000;) {
      await sleep(250);
      const now = cpuSeconds(worker.pid!);
      const rate = (now - cpu) / ((Date.now() - t) / 1000);
      cpu = now;
      t = Date.now();
      if (rate < 0.25) {
        stoppedAt = t - 250;
        break;
      }
    }
    const stopMs = stoppedAt - cancelledAt;
    results.push(goal('cancel mid-training', `the worker's CPU fell below a quarter core ${fixed(stopMs)} ms after cancelTrainingJob (the computation stopped)`, stopMs <= 2000, 'within 2 s'));

    // The model in the API: the first answer on a cold model, memory per loaded model, retrieval speed.
    const version = (await orm.em.fork().findOneOrFail(ModelVersion, { trainingJobId: first.jobId }));
    const artifactBytes = version.artifactSizeBytes;
    const em = orm.em.fork();
    // Where a cold load's time goes, in this process: S3 and decryption, then taking the views.
    let started = process.hrtime.bigint();
    const plain = await readArtifact(em, storage, keys, version);
    const readMs = Number(process.hrtime.bigint() - started) / 1e6;
    started = process.hrtime.bigint();
    loadArtifact(plain);
    const decodeMs = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`  a cold load here: reading and decrypting the artifact ${fixed(readMs)} ms, loading it ${fixed(decodeMs, 2)} ms`);
    // More models of the same size: copies of the artifact under versions of their own.
    const models: string[] = [first.modelId];
    for (let i = 0; i < 3; i += 1) {
      const model = em.create(InfluencerModel, { organization: organizationId, name: `copy ${i}`, persona: { displayName: '하루', catchphrases: [], brandValues: [], language: 'ko' } } as never);
      const jobId = randomUUID();
      const key = artifactKeyOf(organizationId, model.id, jobId);
      await em.flush();
      const size = await writeArtifact(em, storage, keys, key, jobId, plain);
      const copy = em.create(ModelVersion, { model, version: 1, backend: TrainingBackend.LOCAL, metrics: version.metrics, artifactKey: key, artifactSizeBytes: size, trainedOnDatasetIds: [], trainingJobId: jobId } as never);
      model.activeVersionId = copy.id;
      model.status = ModelStatus.READY;
      await em.flush();
      models.push(model.id);
    }
    await stopChild(api);
    api = await startChild('api-server.ts', bench.env, ['--expose-gc']);
    const ask = (modelId: string, prompt: string) => gql(api!.url, 'mutation($input: GenerateContentInput!) { generateContent(input: $input) { text } }', { input: { modelId, kind: 'REPLY', prompt } }, token);
    // Warms the code paths on the first model; the cold first answers are measured on the copies.
    await ask(models[0], '배송은 얼마나 걸리나요?');
    const coldTimes: number[] = [];
    const rss: number[] = [memoryOf(api.pid).rss];
    for (const modelId of models.slice(1)) {
      const started = Date.now();
      await ask(modelId, '배송은 얼마나 걸리나요?');
      coldTimes.push(Date.now() - started);
      await sleep(500);
      rss.push(memoryOf(api.pid).rss);
    }
    const perModel = (rss.at(-1)! - rss[0]) / (models.length - 1);
    const warm = await sequential(200, 20, async (i) => { await ask(models[1], `환불 쿠폰 적립 ${i % 17}번 어떻게 하나요?`); });
    console.log(`  API: artifact ${mib(artifactBytes)}; first answers on cold models ${coldTimes.join(', ')} ms; RSS ${rss.map(mib).join(' -> ')}; warm REPLY p50 ${fixed(warm.p50)} ms, p99 ${fixed(warm.p99)} ms`);
    results.push(goal('API memory per loaded 20 MiB model', `+${mib(perModel)} each against an artifact of ${mib(artifactBytes)} (${fixed(perModel / artifactBytes, 2)}x)`, perModel <= 2 * artifactBytes, '<= 2x the artifact'));
    results.push(goal('first answer on a cold 20 MiB model', `${Math.max(...coldTimes)} ms at most (${coldTimes.join(', ')} ms)`, Math.max(...coldTimes) < 500, '< 500 ms'));

    // Retrieval against the same model with its terms in a Map (an object per term, as models were held before).
    const compact = loadArtifact(plain);
    const mapped = withTermMap(compact);
    const queries = Array.from({ length: 300 }, (_, i) => `환불 쿠폰 적립 ${i}번 배송은 어떻게 하나요 ${['가나', '배송', '교환', '회원'][i % 4]}`);
    const time = (fn: () => void) => { const s = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - s) / 1e6; };
    for (const q of queries.slice(0, 30)) { retrieve(compact, q); retrieve(mapped, q); }
    // Seven rounds, the two interleaved, the median of each: one pass is some 100 ms, at the mercy of a GC.
    const rounds: { compact: number; map: number }[] = [];
    for (let round = 0; round < 7; round += 1) {
      rounds.push({ compact: time(() => { for (const q of queries) retrieve(compact, q); }), map: time(() => { for (const q of queries) retrieve(mapped, q); }) });
    }
    const compactMs = median(rounds.map((r) => r.compact));
    const mapMs = median(rounds.map((r) => r.map));
    results.push(goal('generation speed', `warm REPLY p50 ${fixed(warm.p50)} ms over HTTP; retrieval ${fixed(compactMs / queries.length, 3)} ms per query vs ${fixed(mapMs / queries.length, 3)} ms with terms in a Map (${fixed(compactMs / mapMs, 2)}x)`,
      compactMs <= 1.25 * mapMs, '<= 1.25x the Map lookup'));
    await orm.close(true);
    storage.destroy();
    return results.every(Boolean);
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => { worker!.once('exit', resolve); setTimeout(() => { worker!.kill('SIGKILL'); resolve(null); }, 15_000); });
    }
    await stopChild(api);
    await bench.close();
  }
}

if (require.main === module) runAsScript(trainingBench);
