import { startWorker, type RunningWorker } from '../../jobs/worker';
import { DEMO_ACCOUNTS, seedDemo } from '../../src/demo/seed-demo';
import { startServer, type TestServer } from '../setup/harness';

// npm run demo's seeding, against the test database: a product worth looking at, through the API.
let server: TestServer;
let worker: RunningWorker;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

const signIn = async (email: string, password: string) => {
  const result = await server.raw({ query: 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken user { role } } }', variables: { e: email, p: password } });
  return result.body.data?.signIn as { accessToken: string; user: { role: string } } | undefined;
};

describe('the demo', () => {
  it('given an empty organization list, then it seeds products, content, templates, a trained coach, a member with consents and staff, once', async () => {
    const first = await seedDemo(server.app);
    expect(first.created).toBe(true);
    for (const account of Object.values(DEMO_ACCOUNTS)) expect((await signIn(account.email, account.password))?.user.role).toBe(account.role);

    const member = (await signIn(DEMO_ACCOUNTS.member.email, DEMO_ACCOUNTS.member.password))!;
    const recommended = await server.raw({ query: '{ recommendations(kind: PRODUCT, limit: 5) { personalized items { reasons item { ... on Product { name } } } } }' }, { token: member.accessToken });
    expect(recommended.body.data.recommendations.personalized).toBe(true);
    expect(recommended.body.data.recommendations.items.length).toBeGreaterThan(0);
    const model = await server.raw({ query: 'query($id: ID!) { model(id: $id) { status activeVersion { version } } }', variables: { id: first.modelId } }, { token: (await signIn(DEMO_ACCOUNTS.enterprise.email, DEMO_ACCOUNTS.enterprise.password))!.accessToken });
    expect(model.body.data.model).toEqual({ status: 'READY', activeVersion: { version: 1 } });
    const chat = await server.raw({ query: 'mutation($m: ID!) { sendMessage(input: { modelId: $m, text: "잠이 잘 안 와요" }) { reply { text aiGenerated } } }', variables: { m: first.modelId } }, { token: member.accessToken });
    expect(chat.body.data.sendMessage.reply.aiGenerated).toBe(true);
    const templates = await server.raw({ query: '{ missionTemplates(first: 100) { edges { node { title coach { name } } } } }' });
    expect(templates.body.data.missionTemplates.edges.map((e: { node: { title: string } }) => e.node.title)).toEqual(expect.arrayContaining(['하루 만 보 걷기', '물 2리터 챌린지', '7시간 숙면']));

    const again = await seedDemo(server.app);
    expect(again).toEqual({ created: false, organizationId: first.organizationId, modelId: first.modelId });
  }, 120_000);
});
