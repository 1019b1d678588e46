// Bench (issue 9, point 3): recommendations(PRODUCT, 20) for a personalised
// member at 100k products / 1M purchases, beside the same at 1k products / 100k
// purchases in the same run. Goals: p50 < 20 ms and p99 < 50 ms on the large
// catalogue, and the large within 1.5x of the small (flat in data size).
// Requests go one at a time to the real API in a child process.
// Alone: node -r @swc-node/register test/bench/recommendations.ts
import 'reflect-metadata';
import { Role } from '../../src/auth/roles';
import { openOrm } from '../../src/db/orm';
import { Organization } from '../../src/modules/organizations/organization.entity';
import { User } from '../../src/modules/users/user.entity';
import { signUpInput, uniqueEmail } from '../factories/accounts';
import { type Child, fixed, goal, gql, machineLine, openBench, runAsScript, sequential, startChild, stopChild } from './scenario-kit';

const REQUESTS = Number(process.env.BENCH_RECOMMENDATIONS_REQUESTS || 300);
const CATEGORIES = 20;
const TAGS = 400;
const BUYERS = 2000;
const QUERY = 'query { recommendations(kind: PRODUCT, limit: 20) { personalized items { score reasons item { ... on Product { id name } } } } }';

interface Measured { p50: number; p99: number; personalizedP50: number; popularP50: number }

export async function measure(label: string, products: number, purchases: number, port: number): Promise<Measured> {
  const bench = await openBench(`recs_${label}`, port);
  let api: Child | null = null;
  try {
    const orm = await openOrm(bench.config);
    try {
      const em = orm.em.fork();
      const organization = em.create(Organization, { name: 'Bench shop' });
      for (let i = 0; i < BUYERS; i += 1) em.create(User, { role: Role.MEMBER });
      await em.flush();
      const started = Date.now();
      // Products with a category and three tags each; purchases skewed towards some products (cubed uniform).
      await bench.db.query(`insert into products (id, organization_id, name, description, category, tags, price_krw, created_at)
        select gen_random_uuid(), $1, 'product ' || i, null, 'category' || (i % ${CATEGORIES}),
          array['tag' || (i % ${TAGS}), 'tag' || ((i * 7 + 3) % ${TAGS}), 'tag' || ((i * 13 + 5) % ${TAGS})], 1000, now() - i * interval '1 second'
        from generate_series(1, $2::int) i`, [organization.id, products]);
      await bench.db.query(`insert into purchases (id, user_id, product_id, quantity, amount_krw, purchased_at)
        select gen_random_uuid(), u.a[1 + (i % array_length(u.a, 1))], p.a[1 + floor(power(random(), 3) * array_length(p.a, 1))::int], 1, 1000, now() - (i % 100000) * interval '1 minute'
        from generate_series(1, $1::int) i,
          (select array_agg(id) as a from products) p,
          (select array_agg(id) as a from users where role = 'MEMBER') u`, [purchases]);
      // The state autovacuum keeps a table in after a bulk load (statistics, the visibility map for index-only scans),
      // and the load's dirty pages written out, so a checkpoint of the seed does not land in the measurement.
      await bench.db.query('vacuum analyze');
      await bench.db.query('checkpoint');
      console.log(`  ${label}: ${products} products, ${purchases} purchases seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await orm.close(true);
    }

    api = await startChild('api-server.ts', bench.env, process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);
    const signUp = async () => {
      const input = signUpInput({ email: uniqueEmail('member') });
      await gql(api!.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }', { input });
      return (await gql(api!.url, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }', { e: input.email, p: input.password })).signIn.accessToken as string;
    };
    // A personalised member: interests, five purchases, three clicks, two dismissals.
    const member = await signUp();
    await gql(api.url, 'mutation { updateConsents(consents: [{ purpose: PERSONALIZATION, granted: true }]) { purpose } }', {}, member);
    await gql(api.url, 'mutation { updateProfile(input: { interests: ["tag17", "tag230"] }) { id } }', {}, member);
    const { rows } = await bench.db.query<{ id: string }>('select id from products order by created_at desc limit 10');
    for (const { id } of rows.slice(0, 5)) await gql(api.url, 'mutation($id: ID!) { recordPurchase(productId: $id) { id } }', { id }, member);
    for (const [i, { id }] of rows.slice(5).entries()) {
      await gql(api.url, 'mutation($id: ID!, $a: FeedbackAction!) { recordRecommendationFeedback(kind: PRODUCT, itemId: $id, action: $a) }', { id, a: i < 3 ? 'CLICKED' : 'DISMISSED' }, member);
    }
    const popularOnly = await signUp();

    const sample = await gql(api.url, QUERY, {}, member);
    if (!sample.recommendations.personalized || sample.recommendations.items.length !== 20) throw new Error(`not a personalised list of 20: ${JSON.stringify(sample)}`);
    const personalized = await sequential(REQUESTS, 30, async () => { await gql(api!.url, QUERY, {}, member); });
    const popular = await sequential(Math.round(REQUESTS / 3), 10, async () => { await gql(api!.url, QUERY, {}, popularOnly); });
    console.log(`  ${label}: personalised p50 ${fixed(personalized.p50)} ms, p99 ${fixed(personalized.p99)} ms; popularity only p50 ${fixed(popular.p50)} ms, p99 ${fixed(popular.p99)} ms`);
    return { p50: personalized.p50, p99: personalized.p99, personalizedP50: personalized.p50, popularP50: popular.p50 };
  } finally {
    await stopChild(api);
    await bench.close();
  }
}

export async function recommendationsBench(): Promise<boolean> {
  console.log(`\nrecommendations(PRODUCT, limit: 20), personalised: ${REQUESTS} requests one at a time, small and large catalogue`);
  console.log(machineLine());
  const small = await measure('small', 1_000, 100_000, 4642);
  const large = await measure('large', 100_000, 1_000_000, 4643);
  return [
    goal('recommendations at 100k products / 1M purchases', `p50 ${fixed(large.p50)} ms, p99 ${fixed(large.p99)} ms`, large.p50 < 20 && large.p99 < 50, 'p50 < 20 ms, p99 < 50 ms'),
    goal('recommendations large vs 1k products / 100k purchases', `p50 ${fixed(large.p50)} vs ${fixed(small.p50)} ms (${fixed(large.p50 / small.p50, 2)}x), p99 ${fixed(large.p99)} vs ${fixed(small.p99)} ms (${fixed(large.p99 / small.p99, 2)}x)`,
      large.p50 <= 1.5 * small.p50 && large.p99 <= 1.5 * small.p99, 'within 1.5x'),
  ].every(Boolean);
}

if (require.main === module) runAsScript(recommendationsBench);
