// The real app for npm run bench, in a process of its own (so the load
// generator in the parent does not share its event loop). Settings come from
// the environment run.ts passes; reports its port over IPC.
import 'reflect-metadata';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config, { s3Endpoint: config.s3.endpoint! });
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  const address = app.http.server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    // A normal exit, so --cpu-prof (BENCH_CPU_PROF) writes its profile.
    process.exit(0);
  };
  // Asked over IPC, not by SIGTERM: Apollo Server's own SIGTERM handler
  // (stopOnTerminationSignals) would race app.close() and hang it.
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.on('disconnect', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
