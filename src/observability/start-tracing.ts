// Imported first by the entry points: instrumentation must be in place before fastify, pg, ioredis and graphql load.
import { startTracing } from './tracing';

startTracing(/worker/.test(require.main?.filename ?? '') ? 'aimex-worker' : 'aimex-api');
