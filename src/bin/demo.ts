// npm run demo: seeds a sample organization (through the API, with a worker in this process), prints how to
// sign in, then `npm start` serves it. Development only.
import 'reflect-metadata';
import { startWorker } from '../../jobs/worker';
import { createApp, prepareDatabase, resolveS3Endpoint } from '../app';
import { loadConfig } from '../config';
import { DEMO_ACCOUNTS, seedDemo } from '../demo/seed-demo';
import { createLogger } from '../logging/logger';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.nodeEnv === 'production') throw new Error('The demo seeds known passwords: it does not run with NODE_ENV=production');
  const log = createLogger({ logLevel: 'warn' });
  const s3 = await resolveS3Endpoint(config, log);
  await prepareDatabase(config, log);
  const app = await createApp(config, { s3Endpoint: s3.endpoint, log });
  const worker = await startWorker(config, { orm: app.orm, log, relayIntervalMs: 100, s3Endpoint: s3.endpoint, storage: app.storage });
  try {
    process.stdout.write('Seeding the demo (validating and training the coach takes a few seconds)...\n');
    const result = await seedDemo(app);
    const base = `http://${config.host}:${config.port}`;
    process.stdout.write(`${result.created ? 'Demo seeded.' : 'Demo data was there already.'}

  GraphiQL       ${base}/graphql        (paste a token into the Headers tab: {"Authorization": "Bearer <accessToken>"})
  Queue console  ${base}/admin/sign-in  (ADMIN below)

  Sign in with signIn(email, password):
${Object.values(DEMO_ACCOUNTS).map((a) => `    ${a.role.padEnd(16)} ${a.email.padEnd(30)} ${a.password}`).join('\n')}

  Try, as the member:  { recommendations(kind: PRODUCT, limit: 5) { personalized items { reasons item { ... on Product { name } } } } }
  As the brand:        { organization(id: "${result.organizationId}") { name models(first: 5) { edges { node { id name status } } } } }
  Chat with the coach: mutation { sendMessage(input: { modelId: "${result.modelId}", text: "잠이 잘 안 와요" }) { reply { text aiGenerated } } }

`);
  } finally {
    await worker.close();
    await app.close();
    await s3.close();
  }
}

main().then(() => process.exit(0)).catch((error) => {
  createLogger({ logLevel: 'info' }).fatal({ err: error }, 'demo did not seed');
  process.exit(1);
});
