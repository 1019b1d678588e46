import type { Logger } from 'pino';

/**
 * Runs `fn` until it succeeds: a final-failure handler must outlive the outage that made the job
 * fail (PostgreSQL or S3 away). Backs off from 1 s to 30 s; gives up only when the worker closes
 * (`closing.stopped`), and then the reconciler finishes the row.
 */
export async function untilDone(closing: { stopped: boolean }, log: Logger, what: string, fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0, delay = 1000; !closing.stopped; attempt += 1, delay = Math.min(delay * 2, 30_000)) {
    try {
      await fn();
      return;
    } catch (error) {
      log.warn({ err: error, attempt: attempt + 1 }, `could not ${what}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
}
