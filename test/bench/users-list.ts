// Bench (issue 9, point 6): users(first: 100) as ADMIN with masked name, email
// and phone, consents and organization, beside users(first: 10) in the same
// run: goal at most 4x the time of first: 10 (10x the users), and p50 under
// 20 ms. Requests go one at a time to the real API in a child process.
// Alone: node -r @swc-node/register test/bench/users-list.ts
import 'reflect-metadata';
import { Role } from '../../src/auth/roles';
import { createStaffAccount } from '../../src/auth/staff';
import { openOrm } from '../../src/db/orm';
import { ConsentChannel, ConsentEvent, ConsentPurpose } from '../../src/modules/consents/consent.entity';
import { Organization } from '../../src/modules/organizations/organization.entity';
import { INITIAL_POLICY_VERSION } from '../../src/modules/policies/policy-seed';
import { User } from '../../src/modules/users/user.entity';
import { AccessLogService } from '../../src/privacy/access-log.service';
import { EmailIndex } from '../../src/privacy/email-index';
import { KeyRing, MasterKeys } from '../../src/privacy/key-ring';
import { sealPersonal } from '../../src/privacy/personal-data';
import { PASSWORD, uniqueEmail } from '../factories/accounts';
import { type Child, cpuSeconds, fixed, goal, gql, machineLine, openBench, runAsScript, sequential, startChild, stopChild } from './scenario-kit';

const USERS = 150;
const REQUESTS = Number(process.env.BENCH_USERS_REQUESTS || 200);
const QUERY = `query($first: Int) { users(first: $first) { edges { node { id role name email phone
  organization { id name } consents { purpose granted } } } } }`;

export async function usersListBench(): Promise<boolean> {
  console.log(`\nusers(first: N) as ADMIN: ${USERS} users with name, email, phone, 7 consents and an organization; ${REQUESTS} requests one at a time per size`);
  console.log(machineLine());
  const bench = await openBench('users', 4641);
  let api: Child | null = null;
  try {
    const orm = await openOrm(bench.config);
    const adminEmail = uniqueEmail('admin');
    try {
      const em = orm.em.fork();
      const master = new MasterKeys(bench.config);
      await createStaffAccount({ emailIndex: new EmailIndex(bench.config), master, accessLog: new AccessLogService() }, em, {
        email: adminEmail, password: PASSWORD, name: '김관리', phone: '010-9999-0000', role: Role.ADMIN,
      });
      const seed = orm.em.fork();
      const keys = new KeyRing(seed, master);
      const organization = seed.create(Organization, { name: 'Bench' });
      for (let i = 0; i < USERS; i += 1) {
        const user = seed.create(User, { role: Role.ENTERPRISE, organization });
        const key = keys.create(user.id);
        user.nameEnc = sealPersonal(key, 'User', 'nameEnc', user.id, `사용자${i}`);
        user.emailEnc = sealPersonal(key, 'User', 'emailEnc', user.id, `bench${i}@example.com`);
        user.phoneEnc = sealPersonal(key, 'User', 'phoneEnc', user.id, '010-1234-5678');
        for (const purpose of Object.values(ConsentPurpose)) {
          seed.create(ConsentEvent, { user, purpose, granted: true, policyVersion: INITIAL_POLICY_VERSION, channel: ConsentChannel.WEB, at: new Date() });
        }
      }
      await seed.flush();
    } finally {
      await orm.close(true);
    }
    api = await startChild('api-server.ts', bench.env, process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []);
    const token: string = (await gql(api.url, 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken } }', { e: adminEmail, p: PASSWORD })).signIn.accessToken;

    const sizes = [10, 100];
    const results = new Map<number, { p50: number; p99: number; cpuMsPerUser: number }>();
    for (const first of sizes) {
      const sample = await gql(api.url, QUERY, { first }, token);
      const node = sample.users.edges[1].node; // [0] is the ADMIN, reading itself
      if (sample.users.edges.length !== first || !/\*/.test(node.name ?? '') || node.consents.length !== 7) throw new Error(`users(first: ${first}) is not the masked page: ${JSON.stringify(node)}`);
    }
    for (const first of sizes) {
      const before = cpuSeconds(api.pid);
      const timing = await sequential(REQUESTS, 30, async () => { await gql(api!.url, QUERY, { first }, token); });
      const cpu = cpuSeconds(api.pid) - before;
      results.set(first, { ...timing, cpuMsPerUser: (cpu * 1000) / ((REQUESTS + 30) * first) });
      console.log(`  users(first: ${first}): p50 ${fixed(timing.p50)} ms, p99 ${fixed(timing.p99)} ms, API CPU ${fixed(results.get(first)!.cpuMsPerUser, 3)} ms per user`);
    }
    const ten = results.get(10)!;
    const hundred = results.get(100)!;
    const ratio = hundred.p50 / ten.p50;
    const ok = [
      goal('users(first: 100) vs first: 10', `p50 ${fixed(hundred.p50)} ms vs ${fixed(ten.p50)} ms, ${fixed(ratio, 2)}x for 10x the users`, ratio <= 4, '<= 4x'),
      goal('users(first: 100) p50', `${fixed(hundred.p50)} ms (p99 ${fixed(hundred.p99)} ms)`, hundred.p50 < 20, '< 20 ms'),
    ];
    return ok.every(Boolean);
  } finally {
    await stopChild(api);
    await bench.close();
  }
}

if (require.main === module) runAsScript(usersListBench);
