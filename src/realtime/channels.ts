/**
 * Redis pub/sub channels of live updates. Pub/sub is not scoped by Redis
 * database, so the database number is part of every name: two deployments (or
 * test suites) sharing one Redis server never hear each other. A message says
 * only which row changed; subscribers re-read it, through its policy.
 */
export function channelPrefix(redisUrl: string): string {
  const db = Number(new URL(redisUrl).pathname.slice(1) || 0);
  return `aimex:${db}:rt:`;
}

export type Topic = 'dataset' | 'training-job' | 'data-subject-request';

export const topicChannel = (prefix: string, topic: Topic, id: string) => `${prefix}${topic}:${id}`;
/** Sessions ended and API keys revoked: sockets authenticated by them close. */
export const revocationChannel = (prefix: string) => `${prefix}revoked`;

export type Revocation = { sessionId: string } | { userId: string } | { apiKeyId: string };
