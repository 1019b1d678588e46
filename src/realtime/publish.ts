import { Redis } from 'ioredis';
import { channelPrefix, revocationChannel, topicChannel, type Revocation, type Topic } from './channels';

/**
 * The one publisher of a process (API or worker). Jobs and services call the
 * publish functions below in one line where they write a status; they never
 * wait for Redis and never fail because of it (polling still shows the state).
 */
let publisher: { redis: Redis; prefix: string; users: number } | null = null;

/** Opens the process's publisher (counted: the API and a worker in one process share it); returns its release. */
export function retainRealtimePublisher(redisUrl: string): () => Promise<void> {
  if (!publisher) {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    void redis.connect().catch(() => undefined);
    publisher = { redis, prefix: channelPrefix(redisUrl), users: 0 };
  }
  publisher.users += 1;
  let released = false;
  return async () => {
    if (released || !publisher) return;
    released = true;
    publisher.users -= 1;
    if (publisher.users === 0) {
      const { redis } = publisher;
      publisher = null;
      // quit() waits for a connection that may never come (Redis away): then drop the client.
      await (redis.status === 'ready' ? redis.quit().catch(() => redis.disconnect()) : redis.disconnect());
    }
  };
}

function publish(channel: (prefix: string) => string, message: string): void {
  if (!publisher || publisher.redis.status !== 'ready') return;
  publisher.redis.publish(channel(publisher.prefix), message).catch(() => undefined);
}

const publishTopic = (topic: Topic, id: string) => publish((prefix) => topicChannel(prefix, topic, id), '1');

/** A dataset's status, counts or issues changed. */
export const publishDatasetUpdated = (datasetId: string): void => publishTopic('dataset', datasetId);
/** A training job's status, progress or events changed. */
export const publishTrainingJobUpdated = (trainingJobId: string): void => publishTopic('training-job', trainingJobId);
/** A data-subject request's status changed. */
export const publishDataSubjectRequestUpdated = (requestId: string): void => publishTopic('data-subject-request', requestId);

/** A session (or every session of a user) ended, or an API key was revoked: their sockets close. */
export const publishRevoked = (revocation: Revocation): void => publish(revocationChannel, JSON.stringify(revocation));
