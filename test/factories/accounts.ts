import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/roles';
import { createStaffAccount } from '../../src/auth/staff';
import { INITIAL_POLICY_VERSION } from '../../src/modules/policies/policy-seed';
import { SignInDocument, SignUpDocument, type SignUpInput } from '../__generated__/typed-documents';
import type { GraphqlClient, TestServer } from '../setup/harness';

export const PASSWORD = 'correct-horse-42';

export interface Account {
  userId: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  organizationId: string | null;
}

export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.com`;

export function signUpInput(overrides: Partial<SignUpInput> = {}): SignUpInput {
  return {
    email: uniqueEmail(),
    password: PASSWORD,
    name: '홍길동',
    phone: '010-1234-5678',
    accountType: 'MEMBER',
    consents: [
      { purpose: 'TERMS_OF_SERVICE', granted: true },
      { purpose: 'PERSONAL_INFO_COLLECTION', granted: true },
    ],
    policyVersion: INITIAL_POLICY_VERSION,
    ...overrides,
  };
}

export async function signUp(server: Pick<GraphqlClient, 'gql'>, overrides: Partial<SignUpInput> = {}): Promise<Account> {
  const input = signUpInput(overrides);
  const result = await server.gql(SignUpDocument, { input });
  if (!result.data?.signUp) throw new Error(`sign-up failed: ${JSON.stringify(result.errors)}`);
  const { accessToken, refreshToken, user } = result.data.signUp;
  return { userId: user.id, email: input.email, password: input.password, token: accessToken, refreshToken, organizationId: user.organization?.id ?? null };
}

export const signUpMember = (server: Pick<GraphqlClient, 'gql'>, overrides: Partial<SignUpInput> = {}) => signUp(server, overrides);

export const signUpEnterprise = (server: Pick<GraphqlClient, 'gql'>, overrides: Partial<SignUpInput> = {}) =>
  signUp(server, { accountType: 'ENTERPRISE', organizationName: `Org ${randomUUID().slice(0, 6)}`, department: '마케팅팀', jobTitle: '매니저', ...overrides });

export async function createStaff(server: TestServer, role: Role.ADMIN | Role.PRIVACY_OFFICER, name = '김관리'): Promise<Account> {
  const email = uniqueEmail(role.toLowerCase());
  const user = await createStaffAccount(server.app.services, server.app.orm.em.fork(), { email, password: PASSWORD, name, phone: '010-9999-0000', role });
  const result = await server.gql(SignInDocument, { email, password: PASSWORD });
  if (!result.data?.signIn) throw new Error(`staff sign-in failed: ${JSON.stringify(result.errors)}`);
  return { userId: user.id, email, password: PASSWORD, token: result.data.signIn.accessToken, refreshToken: result.data.signIn.refreshToken, organizationId: null };
}
