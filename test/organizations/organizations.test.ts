import { Role } from '../../src/auth/roles';
import { CreateApiKeyDocument, OrganizationApiKeysDocument, OrganizationDocument, OrganizationMembersDocument, RevokeApiKeyDocument } from '../__generated__/typed-documents';
import { createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

describe('organization', () => {
  it('given an enterprise user, then its own organization and members are visible; another organization is NOT_FOUND', async () => {
    const a = await signUpEnterprise(server, { name: '김에이' });
    const b = await signUpEnterprise(server);
    const own = await server.gql(OrganizationMembersDocument, { id: a.organizationId! }, { token: a.token });
    expect(own.errors).toBeUndefined();
    expect(own.data!.organization!.members).toEqual([{ id: a.userId, name: '김에이', department: '마케팅팀', jobTitle: '매니저' }]);
    const other = await server.gql(OrganizationDocument, { id: b.organizationId! }, { token: a.token });
    expectError(other, 'NOT_FOUND');
    expect(other.data?.organization ?? null).toBeNull();
  });

  it('given a member, a random id or a non-UUID, then NOT_FOUND', async () => {
    const owner = await signUpEnterprise(server);
    const member = await signUpMember(server);
    expectError(await server.gql(OrganizationDocument, { id: owner.organizationId! }, { token: member.token }), 'NOT_FOUND');
    expectError(await server.gql(OrganizationDocument, { id: '00000000-0000-4000-8000-000000000000' }, { token: owner.token }), 'NOT_FOUND');
    expectError(await server.gql(OrganizationDocument, { id: 'not-a-uuid' }, { token: owner.token }), 'NOT_FOUND');
  });

  it('given no identity, then UNAUTHENTICATED', async () => {
    const owner = await signUpEnterprise(server);
    expectError(await server.gql(OrganizationDocument, { id: owner.organizationId! }), 'UNAUTHENTICATED');
  });

  it('given staff, then any organization with members masked', async () => {
    const owner = await signUpEnterprise(server, { name: '박엔터' });
    const admin = await createStaff(server, Role.ADMIN);
    const result = await server.gql(OrganizationMembersDocument, { id: owner.organizationId! }, { token: admin.token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.organization!.members[0].name).toBe('박*터');
  });
});

describe('API keys', () => {
  it('given an enterprise user, when a key is created, then the secret is shown once, stored hashed and authenticates as the organization', async () => {
    const owner = await signUpEnterprise(server);
    const created = await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'CRM 연동', scopes: ['MODELS_READ', 'MODELS_READ', 'CATALOG_WRITE'] }, { token: owner.token });
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^aimex_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey.scopes.sort()).toEqual(['CATALOG_WRITE', 'MODELS_READ']);
    expect(apiKey.lastUsedAt).toBeNull();

    const [row] = await server.app.orm.em.fork().execute('select secret_hash from api_keys where id = ?', [apiKey.id]);
    expect(row.secret_hash).not.toContain(secret);
    expect(row.secret_hash).toHaveLength(64);

    const asPartner = await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: secret });
    expect(asPartner.errors).toBeUndefined();
    expect(asPartner.data!.organization!.id).toBe(owner.organizationId);

    const listed = await server.gql(OrganizationApiKeysDocument, { id: owner.organizationId! }, { token: owner.token });
    expect(listed.data!.organization!.apiKeys[0].lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.data)).not.toContain(secret);
  });

  it('given a partner key, then it never sees members and cannot manage keys', async () => {
    const owner = await signUpEnterprise(server);
    const { data } = await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'p', scopes: ['MODELS_READ'] }, { token: owner.token });
    const secret = data!.createApiKey.secret;
    expectError(await server.gql(OrganizationMembersDocument, { id: owner.organizationId! }, { apiKey: secret }), 'FORBIDDEN');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: ['MODELS_READ'] }, { apiKey: secret }), 'FORBIDDEN');
  });

  it('given a revoked key, then it is refused with UNAUTHENTICATED', async () => {
    const owner = await signUpEnterprise(server);
    const { data } = await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'old', scopes: ['MODELS_READ'] }, { token: owner.token });
    const revoked = await server.gql(RevokeApiKeyDocument, { id: data!.createApiKey.apiKey.id }, { token: owner.token });
    expect(revoked.data!.revokeApiKey.revokedAt).not.toBeNull();
    const result = await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: data!.createApiKey.secret });
    expect(result.status).toBe(401);
    expectError(result, 'UNAUTHENTICATED');
    expectError(await server.gql(OrganizationDocument, { id: owner.organizationId! }, { apiKey: 'aimex_made-up' }), 'UNAUTHENTICATED');
  });

  it('given bad input or someone else\'s organization, then the right code and no key', async () => {
    const owner = await signUpEnterprise(server);
    const stranger = await signUpEnterprise(server);
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: [] }, { token: owner.token }), 'BAD_USER_INPUT', 'scopes');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: ' ', scopes: ['MODELS_READ'] }, { token: owner.token }), 'BAD_USER_INPUT', 'name');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: ['MODELS_READ'] }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: ['MODELS_READ'] }, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: ['MODELS_READ'] }, { token: admin.token }), 'FORBIDDEN');
    expectError(await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'x', scopes: ['MODELS_READ'] }), 'UNAUTHENTICATED');
    const listed = await server.gql(OrganizationApiKeysDocument, { id: owner.organizationId! }, { token: owner.token });
    expect(listed.data!.organization!.apiKeys).toEqual([]);

    const { data } = await server.gql(CreateApiKeyDocument, { organizationId: owner.organizationId!, name: 'mine', scopes: ['MODELS_READ'] }, { token: owner.token });
    expectError(await server.gql(RevokeApiKeyDocument, { id: data!.createApiKey.apiKey.id }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(RevokeApiKeyDocument, { id: 'nope' }, { token: owner.token }), 'NOT_FOUND');
  });
});
