// A small client for RunPod's serverless API (https://api.runpod.ai/v2/<endpointId>):
// run, status and cancel. Errors name the operation and the HTTP status, never the key.

import type { RunPodConfig } from '../../config';

export type RunPodStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export interface RunPodJob<Output = unknown> {
  id: string;
  status: RunPodStatus;
  output?: Output;
  error?: string;
  delayTime?: number;
  executionTime?: number;
}

const STATUSES: RunPodStatus[] = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
const REQUEST_TIMEOUT_MS = 30_000;

export class RunPodError extends Error {
  constructor(message: string, readonly httpStatus: number | null) {
    super(message);
    this.name = 'RunPodError';
  }
}

export class RunPodClient {
  constructor(private readonly config: Pick<RunPodConfig, 'baseUrl' | 'apiKey'>, private readonly requestTimeoutMs = REQUEST_TIMEOUT_MS) {}

  /** Submits a job; RunPod answers at once with its id (usually IN_QUEUE). */
  run<Input>(input: Input): Promise<RunPodJob> {
    return this.call('run', 'POST', '/run', { input });
  }

  status<Output = unknown>(jobId: string): Promise<RunPodJob<Output>> {
    return this.call('status', 'GET', `/status/${encodeURIComponent(jobId)}`) as Promise<RunPodJob<Output>>;
  }

  cancel(jobId: string): Promise<RunPodJob> {
    return this.call('cancel', 'POST', `/cancel/${encodeURIComponent(jobId)}`);
  }

  private async call(operation: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<RunPodJob> {
    let response: Response;
    try {
      response = await fetch(`${this.config.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.config.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `no answer within ${this.requestTimeoutMs} ms`
        : 'could not reach the endpoint';
      throw new RunPodError(`RunPod ${operation} failed: ${reason}`, null);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? ' (the RunPod API key was refused)' : '';
      throw new RunPodError(`RunPod ${operation} failed: HTTP ${response.status}${hint}`, response.status);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new RunPodError(`RunPod ${operation} failed: the answer was not JSON`, response.status);
    }
    const job = parsed as Partial<RunPodJob> | null;
    if (!job || typeof job.id !== 'string' || !STATUSES.includes(job.status as RunPodStatus)) {
      throw new RunPodError(`RunPod ${operation} failed: the answer has no job id and status`, response.status);
    }
    return job as RunPodJob;
  }
}
