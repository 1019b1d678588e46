// A stand-in for RunPod's serverless API on loopback: the same routes, bearer
// check and job life cycle (IN_QUEUE -> IN_PROGRESS -> COMPLETED), and it really
// trains, with the same train() a RunPod worker image would run.
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { train, type PersonaSpec, type TrainingRecord } from '../../src/modules/models/retrieval-model';

type Status = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export interface StandInJob {
  id: string;
  endpointId: string;
  status: Status;
  input: unknown;
  output?: unknown;
  error?: string;
  timers: NodeJS.Timeout[];
}

export interface ReceivedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

export interface RunPodStandIn {
  /** e.g. http://127.0.0.1:PORT; the endpoint base is `${url}/v2/<endpointId>`. */
  url: string;
  apiKey: string;
  requests: ReceivedRequest[];
  jobs: Map<string, StandInJob>;
  /** The next submitted job ends FAILED with this error text. */
  failNext(error: string): void;
  /** The next submitted job stays IN_PROGRESS until cancelled. */
  hangNext(): void;
  close(): Promise<void>;
}

export async function startRunPodStandIn(options: { apiKey?: string; stepMs?: number } = {}): Promise<RunPodStandIn> {
  const apiKey = options.apiKey ?? 'test-key';
  const stepMs = options.stepMs ?? 40;
  const requests: ReceivedRequest[] = [];
  const jobs = new Map<string, StandInJob>();
  let next: { kind: 'fail'; error: string } | { kind: 'hang' } | null = null;

  const app: FastifyInstance = Fastify({ logger: false });
  const received = new WeakMap<object, ReceivedRequest>();
  app.addHook('onRequest', async (request, reply) => {
    const record: ReceivedRequest = { method: request.method, url: request.url, authorization: request.headers.authorization, body: undefined };
    requests.push(record);
    received.set(request.raw, record);
    if (request.headers.authorization !== `Bearer ${apiKey}`) return reply.code(401).send({ error: 'Unauthorized' });
  });
  app.addHook('preHandler', async (request) => {
    const record = received.get(request.raw);
    if (record) record.body = request.body;
  });

  const execute = (job: StandInJob, behaviour: typeof next) => {
    job.timers.push(setTimeout(() => {
      if (job.status !== 'IN_QUEUE') return;
      job.status = 'IN_PROGRESS';
      if (behaviour?.kind === 'hang') return;
      job.timers.push(setTimeout(() => {
        if (job.status !== 'IN_PROGRESS') return;
        if (behaviour?.kind === 'fail') {
          job.status = 'FAILED';
          job.error = behaviour.error;
          return;
        }
        const input = job.input as { task?: string; persona?: PersonaSpec; records?: TrainingRecord[] } | undefined;
        if (input?.task !== 'aimex-train-retrieval' || !input.persona || !Array.isArray(input.records)) {
          job.status = 'FAILED';
          job.error = `unknown task ${String(input?.task)}`;
          return;
        }
        try {
          job.output = train(input.records, input.persona);
          job.status = 'COMPLETED';
        } catch (error) {
          job.status = 'FAILED';
          job.error = (error as Error).message;
        }
      }, stepMs));
    }, stepMs));
  };

  const view = (job: StandInJob) => ({
    id: job.id, status: job.status,
    ...(job.output !== undefined ? { output: job.output } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
    delayTime: stepMs, ...(job.status === 'COMPLETED' ? { executionTime: stepMs } : {}),
  });

  app.post<{ Params: { endpointId: string }; Body: { input?: unknown } }>('/v2/:endpointId/run', async (request, reply) => {
    if (!request.body || typeof request.body !== 'object' || !('input' in request.body)) return reply.code(400).send({ error: 'input is required' });
    const job: StandInJob = { id: `${randomUUID()}-e1`, endpointId: request.params.endpointId, status: 'IN_QUEUE', input: request.body.input, timers: [] };
    jobs.set(job.id, job);
    const behaviour = next;
    next = null;
    execute(job, behaviour);
    return { id: job.id, status: job.status };
  });

  app.get<{ Params: { endpointId: string; id: string } }>('/v2/:endpointId/status/:id', async (request, reply) => {
    const job = jobs.get(request.params.id);
    if (!job || job.endpointId !== request.params.endpointId) return reply.code(404).send({ error: 'job not found' });
    return view(job);
  });

  app.post<{ Params: { endpointId: string; id: string } }>('/v2/:endpointId/cancel/:id', async (request, reply) => {
    const job = jobs.get(request.params.id);
    if (!job || job.endpointId !== request.params.endpointId) return reply.code(404).send({ error: 'job not found' });
    if (job.status === 'IN_QUEUE' || job.status === 'IN_PROGRESS') {
      job.status = 'CANCELLED';
      for (const timer of job.timers) clearTimeout(timer);
    }
    return { id: job.id, status: job.status };
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    jobs,
    failNext(error) { next = { kind: 'fail', error }; },
    hangNext() { next = { kind: 'hang' }; },
    async close() {
      for (const job of jobs.values()) for (const timer of job.timers) clearTimeout(timer);
      await app.close();
    },
  };
}
