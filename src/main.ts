// HTTP entry: config -> local S3 if needed -> database -> app -> listen. No logic.
// Tracing first: the modules it instruments must load after it.
import './observability/start-tracing';
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { Server } from 'node:net';
import { join } from 'node:path';
import { createApp, prepareDatabase, resolveS3Endpoint } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logging/logger';
import { stopTracing } from './observability/tracing';

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

  // Drain: /ready answers 503 at once and sockets are told to reconnect elsewhere (1012); the load balancer
  // gets SHUTDOWN_DRAIN_MS to stop sending; then close() lets every request in flight finish before it resolves.
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down: draining');
    app.http.beginDrain();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
    // No new connections from here (a client is refused and retries elsewhere); a request already sent on an
    // accepted connection gets read before close() ends idle connections, so it is answered, not reset.
    Server.prototype.close.call(app.http.server);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A client that keeps a connection open without finishing its request does not hold the shutdown up.
    const cut = setTimeout(() => app.http.server.closeAllConnections(), 15_000);
    await app.close();
    clearTimeout(cut);
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await stopTracing();
    await s3.close();
    log.info('shut down');
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
