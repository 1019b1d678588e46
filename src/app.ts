import 'reflect-metadata';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config';
import { ensureDatabase, migrate, openOrm, withPrepareLock } from './db/orm';
import { seedReferenceData } from './db/seed';
import { bucketCorsXml } from './http/cors';
import { createHttpServer } from './http/server';
import { createLogger } from './logging/logger';
import { retainRealtimePublisher } from './realtime/publish';
import { createServices, type Services } from './services';
import Fastify from 'fastify';
import { QUEUES, redisConnection } from '../jobs/queues';
import { expiredRecordCounts } from './observability/retention-lateness';
import { Metrics, registerMetricsRoute } from './observability/metrics';
import { startLocalS3 } from './storage/local-s3';
import { Storage } from './storage/storage';

export interface App {
  config: Readonly<Config>;
  orm: MikroORM;
  redis: Redis;
  storage: Storage;
  services: Services;
  http: FastifyInstance;
  log: Logger;
  close(): Promise<void>;
}

/** The one logger factory (server and worker): src/logging/logger.ts. */
export { createLogger };

/** Starts the local S3-compatible server when no S3_ENDPOINT is configured (development). */
export async function resolveS3Endpoint(config: Readonly<Config>, log: Logger): Promise<{ endpoint: string; close: () => Promise<void> }> {
  if (config.s3.endpoint) return { endpoint: config.s3.endpoint, close: async () => {} };
  const local = await startLocalS3({
    port: config.s3.localPort, directory: config.s3.localDataDir, bucket: { name: config.s3.bucket, corsXml: bucketCorsXml(config) },
  });
  log.info({ endpoint: local.endpoint }, 'started local S3-compatible server');
  return local;
}

/** Prepares the database (create, migrate, seed); run by npm start and test setup alike. */
export async function prepareDatabase(config: Readonly<Config>, log?: Logger): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  // Applied migrations go to our log (npm start), or nowhere (CLI, tests).
  await withPrepareLock(config.databaseUrl, async () => {
    const orm = await openOrm(config, { logger: (message: string) => log?.info(message), colors: false });
    try {
      await migrate(orm);
      await seedReferenceData(orm.em.fork());
    } finally {
      await orm.close(true);
    }
  });
}

export async function createApp(config: Readonly<Config>, options: { s3Endpoint: string; log?: Logger }): Promise<App> {
  const log = options.log ?? createLogger(config);
  const orm = await openOrm(config);
  const redis = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  // Only rate limits use Redis on the request path, and they fall back to memory while it is away: say so once.
  let redisDown = false;
  redis.on('error', (error: Error) => {
    if (!redisDown) log.warn({ err: { message: error.message } }, 'Redis unavailable; rate limits are counted per process until it is back');
    redisDown = true;
  });
  redis.on('ready', () => {
    if (redisDown) log.info('Redis available again');
    redisDown = false;
  });
  const storage = new Storage({ ...config.s3, endpoint: options.s3Endpoint });
  await storage.ensureBucket();
  const services = createServices({ config, orm, redis, storage, log });
  const releasePublisher = retainRealtimePublisher(config.redisUrl);
  const metrics = new Metrics({
    orm, log, accessLog: services.accessLog, queues: Object.values(QUEUES), connection: redisConnection(config.redisUrl), expiredRecords: expiredRecordCounts,
    processMetrics: config.nodeEnv !== 'test',
  });
  const http = await createHttpServer(config, services, {
    postgres: () => orm.em.fork().execute('select 1'),
    redis: () => redis.ping(),
    s3: () => storage.ping(),
  }, { metrics, queues: { names: Object.values(QUEUES), connection: redisConnection(config.redisUrl) } });
  const metricsServer = config.metrics.port === null ? null : Fastify({ logger: false });
  if (metricsServer) {
    registerMetricsRoute(metricsServer, metrics);
    await metricsServer.listen({ host: config.metrics.host, port: config.metrics.port! });
  }
  return {
    config, orm, redis, storage, services, http, log,
    async close() {
      await http.close();
      await metricsServer?.close();
      await metrics.close();
      await services.usage.flushVisits();
      await orm.close(true);
      redis.disconnect();
      await releasePublisher();
      storage.destroy();
    },
  };
}
