import type { Queue } from 'bullmq';

/**
 * Closes BullMQ queues without hanging when Redis is away: BullMQ's close()
 * waits for a connection that may never come, so after `ms` the queue's
 * client is dropped instead (a shutdown must end within its deadline).
 */
export async function closeQueues(queues: readonly Queue[], ms = 1000): Promise<void> {
  await Promise.all(queues.map(async (queue) => {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      queue.close().then(() => true, () => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); }),
    ]);
    clearTimeout(timer);
    if (!closed) await queue.disconnect().catch(() => undefined);
  }));
}
