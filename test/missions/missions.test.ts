import { startWorker, type RunningWorker } from '../../jobs/worker';
import { Role } from '../../src/auth/roles';
import { seoulDate, addDays } from '../../src/modules/missions/mission-calendar';
import {
  AbandonMissionDocument, CheckInMissionDocument, CreateMissionTemplateDocument, MissionByIdDocument, MissionTemplatesDocument, MyHealthDocument,
  StartMissionDocument, UpdateConsentsDocument, UpdateHealthProfileDocument, UserHealthDocument,
} from '../__generated__/typed-documents';
import { type Account, createStaff, signUpEnterprise, signUpMember } from '../factories/accounts';
import { trainedModel } from '../factories/models';
import { expectError, startServer, type TestServer } from '../setup/harness';

let server: TestServer;
let worker: RunningWorker;
let company: Account;
let coachId: string;
beforeAll(async () => {
  server = await startServer();
  worker = await startWorker(server.app.config, { orm: server.app.orm, log: server.app.log, relayIntervalMs: 50 });
  company = await signUpEnterprise(server);
  coachId = await trainedModel(server, company, [
    ['걷기 목표를 달성했어요', '정말 잘하셨어요! 내일도 가볍게 걸어 볼까요?'],
    ['오늘은 못 걸었어요', '괜찮아요, 오늘 저녁 10분 산책부터 다시 시작해요.'],
  ]);
});
afterAll(async () => {
  await worker.close();
  await server.close();
});

async function healthMember(): Promise<Account> {
  const member = await signUpMember(server);
  await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });
  return member;
}

async function template(durationDays = 3, coach = true) {
  const result = await server.gql(CreateMissionTemplateDocument, { input: {
    organizationId: company.organizationId, title: '하루 만 보 걷기', description: '매일 만 보를 걸어요', category: 'STEPS',
    targetValue: 10000, unit: '걸음', durationDays, coachModelId: coach ? coachId : null,
  } }, { token: company.token });
  expect(result.errors).toBeUndefined();
  return result.data!.createMissionTemplate;
}

describe('health profile', () => {
  it('given HEALTH_DATA consent, then the member stores and reads it, encrypted; without consent, CONSENT_REQUIRED and nothing shown', async () => {
    const member = await signUpMember(server);
    const refused = await server.gql(UpdateHealthProfileDocument, { input: { heightCm: 170 } }, { token: member.token });
    expect(expectError(refused, 'CONSENT_REQUIRED').extensions.purposes).toEqual(['HEALTH_DATA']);

    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });
    const saved = await server.gql(UpdateHealthProfileDocument, { input: { heightCm: 170.5, weightKg: 64, activityLevel: 'MODERATE', goals: ['체중 감량'], conditions: [] } }, { token: member.token });
    expect(saved.data!.updateHealthProfile).toMatchObject({ heightCm: 170.5, weightKg: 64, activityLevel: 'MODERATE', goals: ['체중 감량'], conditions: [] });
    const [row] = await server.app.orm.em.fork().execute<{ dump: string }[]>('select row_to_json(h)::text as dump from health_profiles h where user_id = ?', [member.userId]);
    expect(row.dump).not.toContain('170.5');
    expect(row.dump).not.toContain('체중');

    expectError(await server.gql(UpdateHealthProfileDocument, { input: { heightCm: 900 } }, { token: member.token }), 'BAD_USER_INPUT', 'heightCm');
    // Staff never see health data.
    const officer = await createStaff(server, Role.PRIVACY_OFFICER);
    expectError(await server.gql(UserHealthDocument, { id: member.userId }, { token: officer.token }), 'FORBIDDEN');

    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: false }] }, { token: member.token });
    const hidden = await server.gql(MyHealthDocument, {}, { token: member.token });
    expect(hidden.data!.me!.healthProfile).toBeNull();
  });
});

describe('missions', () => {
  it('given consent, when started and checked in, then progress, streak, one check-in a day and AI-labelled coaching follow', async () => {
    const member = await healthMember();
    const t = await template(3);
    const started = await server.gql(StartMissionDocument, { templateId: t.id }, { token: member.token });
    expect(started.errors).toBeUndefined();
    const today = seoulDate(new Date());
    expect(started.data!.startMission).toMatchObject({ status: 'ACTIVE', startDate: today, endDate: addDays(today, 2), progress: 0, streakDays: 0 });
    const missionId = started.data!.startMission.id;
    expectError(await server.gql(StartMissionDocument, { templateId: t.id }, { token: member.token }), 'CONFLICT');

    const first = await server.gql(CheckInMissionDocument, { input: { missionId, date: today, value: 8000, note: '비가 왔어요' } }, { token: member.token });
    expect(first.data!.checkInMission).toMatchObject({ status: 'ACTIVE', progress: 0, streakDays: 0 });
    const second = await server.gql(CheckInMissionDocument, { input: { missionId, date: today, value: 12000 } }, { token: member.token });
    expect(second.data!.checkInMission).toMatchObject({ progress: 1 / 3, daysOnTarget: 1, streakDays: 1, checkIns: [{ date: today, value: 12000, note: null }] });
    const coaching = second.data!.checkInMission.coaching!;
    expect(coaching).toMatchObject({ aiGenerated: true, disclosure: 'AI가 생성한 콘텐츠입니다', kind: 'COACHING' });
    expect(coaching.text).not.toMatch(/12000|12,000/);

    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: addDays(today, 1), value: 1 } }, { token: member.token }), 'BAD_USER_INPUT', 'date');
    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: addDays(today, -1), value: 1 } }, { token: member.token }), 'BAD_USER_INPUT', 'date');
    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: '2026-02-30', value: 1 } }, { token: member.token }), 'BAD_USER_INPUT', 'date');
    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: today, value: -1 } }, { token: member.token }), 'BAD_USER_INPUT', 'value');

    const stored = await server.app.orm.em.fork().execute<{ dump: string }[]>('select row_to_json(c)::text as dump from mission_check_ins c where mission_id = ?', [missionId]);
    expect(stored).toHaveLength(1);
    expect(stored[0].dump).not.toContain('12000');

    const other = await healthMember();
    expectError(await server.gql(MissionByIdDocument, { id: missionId }, { token: other.token }), 'NOT_FOUND');
    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: today, value: 1 } }, { token: other.token }), 'NOT_FOUND');

    const abandoned = await server.gql(AbandonMissionDocument, { id: missionId }, { token: member.token });
    expect(abandoned.data!.abandonMission.status).toBe('ABANDONED');
    expectError(await server.gql(AbandonMissionDocument, { id: missionId }, { token: member.token }), 'CONFLICT');
    // Abandoned, the template may be started again.
    expect((await server.gql(StartMissionDocument, { templateId: t.id }, { token: member.token })).data!.startMission.status).toBe('ACTIVE');
  });

  it('given a one-day mission fully on target, then COMPLETED', async () => {
    const member = await healthMember();
    const t = await template(1, false);
    const started = await server.gql(StartMissionDocument, { templateId: t.id }, { token: member.token });
    const done = await server.gql(CheckInMissionDocument, { input: { missionId: started.data!.startMission.id, date: seoulDate(new Date()), value: 10000 } }, { token: member.token });
    expect(done.data!.checkInMission).toMatchObject({ status: 'COMPLETED', progress: 1, daysOnTarget: 1, streakDays: 1, coaching: null });
    const listed = await server.gql(MyHealthDocument, { status: 'COMPLETED' }, { token: member.token });
    expect(listed.data!.me!.missions.map((m) => m.id)).toEqual([started.data!.startMission.id]);
  });

  it('given HEALTH_DATA withdrawn, then active missions pause and writes are refused; granted again, they resume', async () => {
    const member = await healthMember();
    const t = await template(5, false);
    const started = await server.gql(StartMissionDocument, { templateId: t.id }, { token: member.token });
    const missionId = started.data!.startMission.id;
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: false }] }, { token: member.token });
    expect((await server.gql(MissionByIdDocument, { id: missionId }, { token: member.token })).data!.mission!.status).toBe('PAUSED');
    expectError(await server.gql(CheckInMissionDocument, { input: { missionId, date: seoulDate(new Date()), value: 1 } }, { token: member.token }), 'CONSENT_REQUIRED');
    expectError(await server.gql(StartMissionDocument, { templateId: (await template(2, false)).id }, { token: member.token }), 'CONSENT_REQUIRED');
    await server.gql(UpdateConsentsDocument, { consents: [{ purpose: 'HEALTH_DATA', granted: true }] }, { token: member.token });
    expect((await server.gql(MissionByIdDocument, { id: missionId }, { token: member.token })).data!.mission!.status).toBe('ACTIVE');
  });

  it('given templates, then anyone browses them; only the organization (ENTERPRISE) or an ADMIN (platform-wide) creates them', async () => {
    const t = await template(7, false);
    const listed = await server.gql(MissionTemplatesDocument, { first: 100, category: 'STEPS' });
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.missionTemplates.edges.map((e) => e.node.id)).toContain(t.id);
    const member = await signUpMember(server);
    const admin = await createStaff(server, Role.ADMIN);
    const input = { title: 't', description: 'd', category: 'SLEEP' as const, targetValue: 7, unit: '시간', durationDays: 7 };
    expectError(await server.gql(CreateMissionTemplateDocument, { input: { ...input, organizationId: company.organizationId } }, { token: member.token }), 'FORBIDDEN');
    expectError(await server.gql(CreateMissionTemplateDocument, { input }, { token: company.token }), 'BAD_USER_INPUT', 'organizationId');
    const global = await server.gql(CreateMissionTemplateDocument, { input }, { token: admin.token });
    expect(global.data!.createMissionTemplate.organization).toBeNull();
    expectError(await server.gql(CreateMissionTemplateDocument, { input: { ...input, organizationId: company.organizationId, durationDays: 0 } }, { token: company.token }), 'BAD_USER_INPUT', 'durationDays');
    expectError(await server.gql(CreateMissionTemplateDocument, { input: { ...input, organizationId: company.organizationId, targetValue: 0 } }, { token: company.token }), 'BAD_USER_INPUT', 'targetValue');
    const stranger = await signUpEnterprise(server);
    expectError(await server.gql(CreateMissionTemplateDocument, { input: { ...input, organizationId: stranger.organizationId, coachModelId: coachId } }, { token: stranger.token }), 'BAD_USER_INPUT', 'coachModelId');
    expectError(await server.gql(StartMissionDocument, { templateId: 'nope' }, { token: (await healthMember()).token }), 'NOT_FOUND');
    expectError(await server.gql(StartMissionDocument, { templateId: t.id }), 'UNAUTHENTICATED');
  });
});
