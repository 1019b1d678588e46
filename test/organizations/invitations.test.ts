import { Role } from '../../src/auth/roles';
import {
  AcceptInvitationDocument, ColleagueEmailDocument, ColleagueViewDocument, InviteMemberDocument, MeDocument, OrganizationInvitationsDocument,
  RemoveMemberDocument, RevokeInvitationDocument,
} from '../__generated__/typed-documents';
import { createStaff, signUpEnterprise, signUpMember, uniqueEmail } from '../factories/accounts';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); });

const entriesAbout = async (reasonLike: string) =>
  server.app.orm.em.fork().execute<{ action: string; actor_id: string; subject_id: string | null; fields: string[]; reason: string }[]>(
    'select action, actor_id, subject_id, fields, reason from access_log where reason like ? order by sequence', [`%${reasonLike}%`]);

async function invite(owner: { token: string; organizationId: string | null }, email: string) {
  const result = await server.gql(InviteMemberDocument, { organizationId: owner.organizationId!, email }, { token: owner.token });
  expect(result.errors).toBeUndefined();
  return result.data!.inviteMember;
}

describe('invitations', () => {
  it('given an enterprise user inviting an address, when its owner signs up and accepts, then they join as ENTERPRISE, see colleagues as colleagues, and every step is access-logged', async () => {
    const owner = await signUpEnterprise(server, { name: '김대표' });
    const email = uniqueEmail('invitee');
    const { token, invitation } = await invite(owner, email.toUpperCase());
    expect(token).toMatch(/^inv_/);
    expect(invitation).toMatchObject({ status: 'PENDING', email, acceptedAt: null, invitedBy: { id: owner.userId, name: '김대표' }, organization: { id: owner.organizationId } });
    expect(new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime()).toBe(7 * 24 * 3600_000);
    // The address is stored encrypted, with its blind index; the token only as its hash.
    const [row] = await server.app.orm.em.fork().execute('select email_enc, email_index, token_hash from invitations where id = ?', [invitation.id]);
    expect(Buffer.from(row.email_enc).toString('latin1')).not.toContain(email);
    expect(row.token_hash).not.toContain(token);

    const invitee = await signUpMember(server, { email, name: '이신입', department: '영업팀', jobTitle: '사원' });
    const accepted = await server.gql(AcceptInvitationDocument, { token }, { token: invitee.token });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.acceptInvitation).toMatchObject({ id: invitee.userId, role: 'ENTERPRISE', organization: { id: owner.organizationId } });
    // The same access token now acts for the organization (the role is read on every request).
    expect((await server.gql(MeDocument, {}, { token: invitee.token })).data!.me).toMatchObject({ role: 'ENTERPRISE' });

    const members = await server.gql(ColleagueViewDocument, { id: owner.organizationId! }, { token: invitee.token });
    expect(members.data!.organization!.members).toEqual(expect.arrayContaining([
      { id: owner.userId, name: '김대표', department: '마케팅팀', jobTitle: '매니저' },
      { id: invitee.userId, name: '이신입', department: '영업팀', jobTitle: '사원' },
    ]));
    // Colleagues see name, department and job title only.
    const colleague = await server.gql(ColleagueEmailDocument, { id: owner.userId }, { token: invitee.token });
    expect(colleague.data?.user).toEqual({ id: owner.userId, name: '김대표', email: null });
    expect(expectError(colleague, 'FORBIDDEN').path).toEqual(['user', 'email']);

    const listed = await server.gql(OrganizationInvitationsDocument, { id: owner.organizationId!, status: null }, { token: owner.token });
    // Used: the address is destroyed (ciphertext, index and key).
    expect(listed.data!.organization!.invitations).toEqual([{ id: invitation.id, status: 'ACCEPTED', email: null, acceptedAt: expect.any(String), acceptedBy: { id: invitee.userId } }]);
    const [after] = await server.app.orm.em.fork().execute('select i.email_enc, i.email_index, k.wrapped_key from invitations i join subject_keys k on k.subject_id = i.id where i.id = ?', [invitation.id]);
    expect(after).toEqual({ email_enc: null, email_index: null, wrapped_key: null });

    const log = await entriesAbout(invitation.id);
    expect(log.map((e) => [e.action, e.actor_id, e.subject_id])).toEqual([
      ['UPDATE', owner.userId, null],
      ['UPDATE', invitee.userId, invitee.userId],
    ]);
    expect(log[1].fields).toEqual(['organization', 'role']);
  });

  it('given a used, revoked or expired invitation, or someone else\'s, then it does not let anyone in', async () => {
    const owner = await signUpEnterprise(server);
    const email = uniqueEmail('invitee');
    const { token, invitation } = await invite(owner, email);
    const stranger = await signUpMember(server);
    // Addressed to someone else: not found, and it stays pending for its invitee.
    expectError(await server.gql(AcceptInvitationDocument, { token }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(AcceptInvitationDocument, { token: 'inv_nonsense' }, { token: stranger.token }), 'NOT_FOUND');
    expectError(await server.gql(AcceptInvitationDocument, { token }), 'UNAUTHENTICATED');

    const invitee = await signUpMember(server, { email });
    expect((await server.gql(AcceptInvitationDocument, { token }, { token: invitee.token })).errors).toBeUndefined();
    expectError(await server.gql(AcceptInvitationDocument, { token }, { token: invitee.token }), 'CONFLICT');
    expectError(await server.gql(RevokeInvitationDocument, { id: invitation.id }, { token: owner.token }), 'CONFLICT');

    const second = uniqueEmail('second');
    const revoked = await invite(owner, second);
    expectError(await server.gql(InviteMemberDocument, { organizationId: owner.organizationId!, email: second }, { token: owner.token }), 'CONFLICT');
    const revokedResult = await server.gql(RevokeInvitationDocument, { id: revoked.invitation.id }, { token: owner.token });
    expect(revokedResult.data!.revokeInvitation).toMatchObject({ status: 'REVOKED', email: null });
    const secondUser = await signUpMember(server, { email: second });
    expectError(await server.gql(AcceptInvitationDocument, { token: revoked.token }, { token: secondUser.token }), 'CONFLICT');
    expect((await entriesAbout(`invitation ${revoked.invitation.id} revoked`))).toHaveLength(1);

    const third = uniqueEmail('third');
    const expiring = await invite(owner, third);
    await server.app.orm.em.fork().execute(`update invitations set expires_at = now() - interval '1 second' where id = ?`, [expiring.invitation.id]);
    const thirdUser = await signUpMember(server, { email: third });
    const expired = expectError(await server.gql(AcceptInvitationDocument, { token: expiring.token }, { token: thirdUser.token }), 'CONFLICT');
    expect(expired.message).toContain('expired');
    // Expired: its address is destroyed the next time the organization's invitations are read.
    const listed = await server.gql(OrganizationInvitationsDocument, { id: owner.organizationId!, status: 'EXPIRED' }, { token: owner.token });
    expect(listed.data!.organization!.invitations).toEqual([{ id: expiring.invitation.id, status: 'EXPIRED', email: null, acceptedAt: null, acceptedBy: null }]);
  });

  it('given an account that belongs elsewhere, then it cannot accept; given two accepts at once, then one wins', async () => {
    const owner = await signUpEnterprise(server);
    const otherOwner = await signUpEnterprise(server);
    const taken = await invite(owner, otherOwner.email);
    expectError(await server.gql(AcceptInvitationDocument, { token: taken.token }, { token: otherOwner.token }), 'CONFLICT');

    const email = uniqueEmail('racer');
    const { token } = await invite(owner, email);
    const invitee = await signUpMember(server, { email });
    const results = await Promise.all([1, 2, 3].map(() => server.gql(AcceptInvitationDocument, { token }, { token: invitee.token })));
    expect(results.filter((r) => !r.errors).length).toBe(1);
  });

  it('given who may invite, revoke and remove: the organization\'s enterprise users only', async () => {
    const owner = await signUpEnterprise(server);
    const outsider = await signUpEnterprise(server);
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);
    const vars = { organizationId: owner.organizationId!, email: uniqueEmail() };
    expectError(await server.gql(InviteMemberDocument, vars), 'UNAUTHENTICATED');
    expectError(await server.gql(InviteMemberDocument, vars, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(InviteMemberDocument, vars, { token: admin.token }), 'FORBIDDEN');
    expectError(await server.gql(InviteMemberDocument, vars, { token: outsider.token }), 'NOT_FOUND');
    const { invitation } = await invite(owner, vars.email);
    expectError(await server.gql(RevokeInvitationDocument, { id: invitation.id }, { token: outsider.token }), 'NOT_FOUND');
    expectError(await server.gql(RemoveMemberDocument, { organizationId: owner.organizationId!, userId: owner.userId }, { token: outsider.token }), 'NOT_FOUND');
    // Another organization's invitations are not listed to it; staff see them without the address.
    const staffView = await server.gql(OrganizationInvitationsDocument, { id: owner.organizationId!, status: null }, { token: admin.token });
    expect(staffView.data!.organization!.invitations).toEqual([{ id: invitation.id, status: 'PENDING', email: null, acceptedAt: null, acceptedBy: null }]);
    expect(expectError(staffView, 'FORBIDDEN').path).toEqual(['organization', 'invitations', 0, 'email']);
    const outsiderView = await server.gql(OrganizationInvitationsDocument, { id: owner.organizationId!, status: null }, { token: outsider.token });
    expectError(outsiderView, 'NOT_FOUND');
  });

  it('given a member removed by a colleague, then the account is a MEMBER without an organization, its sessions end, and the last enterprise user stays', async () => {
    const owner = await signUpEnterprise(server);
    const email = uniqueEmail('leaver');
    const { token } = await invite(owner, email);
    const colleague = await signUpMember(server, { email });
    await server.gql(AcceptInvitationDocument, { token }, { token: colleague.token });

    expectError(await server.gql(RemoveMemberDocument, { organizationId: owner.organizationId!, userId: '00000000-0000-4000-8000-000000000000' }, { token: owner.token }), 'NOT_FOUND');
    const removed = await server.gql(RemoveMemberDocument, { organizationId: owner.organizationId!, userId: colleague.userId }, { token: owner.token });
    expect(removed.data!.removeMember).toBe(true);
    expectError(await server.gql(MeDocument, {}, { token: colleague.token }), 'UNAUTHENTICATED');
    const [row] = await server.app.orm.em.fork().execute('select role, organization_id from users where id = ?', [colleague.userId]);
    expect(row).toEqual({ role: 'MEMBER', organization_id: null });
    const log = await entriesAbout(`removed from organization ${owner.organizationId}`);
    expect(log.map((e) => [e.actor_id, e.subject_id])).toEqual([[owner.userId, colleague.userId]]);

    expectError(await server.gql(RemoveMemberDocument, { organizationId: owner.organizationId!, userId: owner.userId }, { token: owner.token }), 'CONFLICT');
  });
});
