// HTTP entry: config -> local S3 if needed -> database -> app -> listen. No logic.
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createApp, prepareDatabase, resolveS3Endpoint } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger(config);
  const s3 = await resolveS3Endpoint(config, log);
  await prepareDatabase(config, log);

  // npm start runs one worker process beside the server; npm run worker adds more.
  let worker: ChildProcess | null = null;
  if (config.embeddedWorker) {
    worker = fork(join(__dirname, '..', 'jobs', 'worker'), [], {
      execArgv: process.execArgv,
      env: { ...process.env, S3_ENDPOINT: s3.endpoint },
    });
    worker.on('exit', (code) => log.warn({ code }, 'worker process exited'));
  }

  const app = await createApp(config, { s3Endpoint: s3.endpoint, log });
  await app.http.listen({ host: config.host, port: config.port });
  log.info(`AIMEX API at http://${config.host}:${config.port}/graphql`);

  const shutdown = async () => {
    worker?.kill('SIGTERM');
    await app.close();
    await s3.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  // A driver error at start-up quotes its values like any other: through the scrubbing logger, not console.error.
  createLogger({ logLevel: 'info' }).fatal({ err: error }, 'server did not start');
  process.exit(1);
});
