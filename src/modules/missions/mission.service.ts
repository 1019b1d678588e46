import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FilterQuery } from '@mikro-orm/core';
import { readableOr404, visibleOrNull } from '../../auth/policy';
import { Role } from '../../auth/roles';
import { isEnterpriseOf } from '../../auth/scopes';
import { isUuid } from '../../common/ids';
import { paginate, type Page } from '../../common/pagination';
import { optionalText, requiredText, stringList } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { badInput, conflict, consentRequired, notFound } from '../../errors';
import { decryptPersonal, sealPersonal } from '../../privacy/personal-data';
import type { ServiceDeps } from '../../services';
import { ConsentPurpose } from '../consents/consent.entity';
import { ContentKind, GeneratedContent, InfluencerModel } from '../models/model.entity';
import { generatedContentPolicy } from '../models/model.policy';
import type { ModelService } from '../models/model.service';
import { disclosureFor, respond } from '../models/retrieval-model';
import { Organization } from '../organizations/organization.entity';
import { User } from '../users/user.entity';
import { checkInProblem, computeProgress, type MissionProgress, missionEndDate, seoulDate } from './mission-calendar';
import { HealthProfile, Mission, MissionCategory, MissionCheckIn, MissionStatus, MissionTemplate } from './mission.entity';
import { missionPolicy } from './mission.policy';
import type { CheckInInput, CreateMissionTemplateInput, HealthProfileInput } from './mission.types';

const PROBLEMS = {
  NOT_A_DATE: 'date must be a calendar day written YYYY-MM-DD',
  BEFORE_START: 'date is before the mission started',
  AFTER_END: 'date is after the mission ended',
  IN_THE_FUTURE: 'date is in the future',
} as const;

export interface MissionView {
  status: MissionStatus;
  progress: MissionProgress;
}

export class MissionService {
  constructor(private readonly deps: ServiceDeps & { models: ModelService }) {}

  private async requireHealthConsent(ctx: Context): Promise<string> {
    if (ctx.viewer.kind !== 'user') throw notFound('User');
    if (!(await this.deps.consents.isGranted(ctx.em, ctx.viewer.userId, ConsentPurpose.HEALTH_DATA))) {
      throw consentRequired([ConsentPurpose.HEALTH_DATA]);
    }
    return ctx.viewer.userId;
  }

  // ---- health profile

  async healthProfile(ctx: Context, userId: string) {
    if (!(await this.deps.consents.isGranted(ctx.em, userId, ConsentPurpose.HEALTH_DATA))) return null;
    const profile = await ctx.em.findOne(HealthProfile, { userId });
    if (!profile) return null;
    const read = (property: keyof HealthProfile & string) => decryptPersonal(ctx, 'HealthProfile', property, userId, profile[property] as Buffer | null);
    const number = (v: string | null) => (v === null ? null : Number(v));
    const list = (v: string | null) => (v ? (JSON.parse(v) as string[]) : []);
    return {
      userId,
      heightCm: number(await read('heightCmEnc')), weightKg: number(await read('weightKgEnc')),
      activityLevel: await read('activityLevelEnc'), goals: list(await read('goalsEnc')), conditions: list(await read('conditionsEnc')),
      updatedAt: profile.updatedAt,
    };
  }

  async updateHealthProfile(ctx: Context, input: HealthProfileInput) {
    const userId = await this.requireHealthConsent(ctx);
    const key = await ctx.keys.get(userId);
    if (!key) throw conflict('This account can no longer store health data');
    const range = (value: number | null | undefined, field: string, min: number, max: number) => {
      if (value === null || value === undefined) return value;
      if (!Number.isFinite(value) || value < min || value > max) throw badInput(`${field} must be between ${min} and ${max}`, field);
      return value;
    };
    const height = range(input.heightCm, 'heightCm', 50, 260);
    const weight = range(input.weightKg, 'weightKg', 10, 400);
    const goals = input.goals === undefined ? undefined : stringList(input.goals ?? [], 'goals', 10, 100);
    const conditions = input.conditions === undefined ? undefined : stringList(input.conditions ?? [], 'conditions', 10, 100);
    const profile = (await ctx.em.findOne(HealthProfile, { userId })) ?? ctx.em.create(HealthProfile, { userId });
    const seal = (property: string, value: string | null) => sealPersonal(key, 'HealthProfile', property, userId, value);
    if (height !== undefined) profile.heightCmEnc = seal('heightCmEnc', height === null ? null : String(height));
    if (weight !== undefined) profile.weightKgEnc = seal('weightKgEnc', weight === null ? null : String(weight));
    if (input.activityLevel !== undefined) profile.activityLevelEnc = seal('activityLevelEnc', input.activityLevel ?? null);
    if (goals !== undefined) profile.goalsEnc = seal('goalsEnc', JSON.stringify(goals));
    if (conditions !== undefined) profile.conditionsEnc = seal('conditionsEnc', JSON.stringify(conditions));
    profile.updatedAt = new Date();
    await ctx.em.flush();
    return (await this.healthProfile(ctx, userId))!;
  }

  // ---- templates

  templates(ctx: Context, first: number, after: string | null | undefined, category: MissionCategory | null | undefined): Promise<Page<MissionTemplate>> {
    const where: FilterQuery<MissionTemplate> = category ? { category } : {};
    return paginate(ctx.em, MissionTemplate, where, first, after);
  }

  async createTemplate(ctx: Context, input: CreateMissionTemplateInput): Promise<MissionTemplate> {
    const viewer = ctx.viewer;
    if (viewer.kind !== 'user') throw notFound('Organization');
    const organizationId = input.organizationId ?? null;
    if (organizationId === null ? viewer.role !== Role.ADMIN : !isUuid(organizationId) || !isEnterpriseOf(viewer, organizationId)) {
      if (organizationId === null) throw badInput('Platform-wide templates are made by an ADMIN; name your organization', 'organizationId');
      throw notFound('Organization');
    }
    if (!Number.isFinite(input.targetValue) || input.targetValue <= 0) throw badInput('targetValue must be greater than 0', 'targetValue');
    if (!Number.isInteger(input.durationDays) || input.durationDays < 1 || input.durationDays > 365) throw badInput('durationDays must be 1 to 365', 'durationDays');
    let coachModelId: string | null = null;
    if (input.coachModelId) {
      const coach = isUuid(input.coachModelId) ? await ctx.em.findOne(InfluencerModel, input.coachModelId) : null;
      if (!coach || coach.organization.id !== organizationId) throw badInput('coachModelId must be a model of the same organization', 'coachModelId');
      coachModelId = coach.id;
    }
    const template = ctx.em.create(MissionTemplate, {
      organization: organizationId ? ctx.em.getReference(Organization, organizationId) : null,
      title: requiredText(input.title, 'title', 100), description: requiredText(input.description, 'description', 2000),
      category: input.category, targetValue: input.targetValue, unit: requiredText(input.unit, 'unit', 20), durationDays: input.durationDays, coachModelId,
    });
    await ctx.em.flush();
    return template;
  }

  // ---- missions

  async findOwn(ctx: Context, id: string): Promise<Mission> {
    return readableOr404(ctx, missionPolicy, isUuid(id) ? await ctx.em.findOne(Mission, id, { populate: ['template'] }) : null, 'Mission');
  }

  async listOwn(ctx: Context, userId: string, status: MissionStatus | null | undefined): Promise<Mission[]> {
    const missions = await ctx.em.find(Mission, { user: userId }, { populate: ['template'], orderBy: { createdAt: 'desc' } });
    if (!status) return missions;
    const views = await Promise.all(missions.map((m) => this.view(ctx, m)));
    return missions.filter((_, i) => views[i].status === status);
  }

  async start(ctx: Context, templateId: string): Promise<Mission> {
    const userId = await this.requireHealthConsent(ctx);
    const template = isUuid(templateId) ? await ctx.em.findOne(MissionTemplate, templateId) : null;
    if (!template) throw notFound('Mission template');
    return inTransaction(ctx.em, async () => {
      await ctx.em.execute('select id from users where id = ? for update', [userId]);
      const open = await ctx.em.find(Mission, { user: userId, template, status: { $in: [MissionStatus.ACTIVE, MissionStatus.PAUSED] } }, { populate: ['template'] });
      for (const mission of open) {
        const { status } = await this.view(ctx, mission);
        if (status === MissionStatus.ACTIVE || status === MissionStatus.PAUSED) throw conflict('You already have this mission going');
        mission.status = status;
      }
      const startDate = seoulDate(new Date());
      return ctx.em.create(Mission, { user: ctx.em.getReference(User, userId), template, startDate, endDate: missionEndDate(startDate, template.durationDays) });
    });
  }

  async checkIn(ctx: Context, input: CheckInInput): Promise<Mission> {
    const userId = await this.requireHealthConsent(ctx);
    const mission = await this.findOwn(ctx, input.missionId);
    const { status } = await this.view(ctx, mission);
    if (status !== MissionStatus.ACTIVE) throw conflict(`The mission is ${status}`);
    const problem = checkInProblem(input.date, mission.startDate, mission.endDate, seoulDate(new Date()));
    if (problem) throw badInput(PROBLEMS[problem], 'date');
    if (!Number.isFinite(input.value) || input.value < 0 || input.value > 1e7) throw badInput('value must be a number from 0', 'value');
    const note = optionalText(input.note, 'note', 500);
    const key = await ctx.keys.get(userId);
    if (!key) throw conflict('This account can no longer store health data');
    await inTransaction(ctx.em, async () => {
      // One a day: a second check-in replaces the first. An upsert, so same-day check-ins at once are one row, never a unique violation.
      await ctx.em.execute(
        `insert into mission_check_ins (id, mission_id, user_id, date, value_enc, note_enc, created_at) values (?, ?, ?, ?, ?, ?, now())
          on conflict (mission_id, date) do update set value_enc = excluded.value_enc, note_enc = excluded.note_enc`,
        [randomUUID(), mission.id, userId, input.date,
          sealPersonal(key, 'MissionCheckIn', 'valueEnc', userId, String(input.value))!, sealPersonal(key, 'MissionCheckIn', 'noteEnc', userId, note)],
      );
      // A check-in of this day already loaded by this request is stale now.
      const loaded = ctx.em.getUnitOfWork().getIdentityMap().values().filter((e): e is MissionCheckIn => e instanceof MissionCheckIn && e.mission.id === mission.id && e.date === input.date);
      for (const stale of loaded) ctx.em.getUnitOfWork().unsetIdentity(stale);
      ctx.loaders.checkInsByMissionId.clear(mission.id);
      const after = await this.view(ctx, mission);
      if (after.status !== MissionStatus.ACTIVE) mission.status = after.status;
      await this.coach(ctx, mission, after.progress);
    });
    return mission;
  }

  async abandon(ctx: Context, id: string): Promise<Mission> {
    const mission = await this.findOwn(ctx, id);
    const { status } = await this.view(ctx, mission);
    if (status !== MissionStatus.ACTIVE && status !== MissionStatus.PAUSED) throw conflict(`The mission is ${status}`);
    mission.status = MissionStatus.ABANDONED;
    await ctx.em.flush();
    return mission;
  }

  /** HEALTH_DATA withdrawn: active missions pause; granted again: they resume. */
  async onHealthConsentChange(em: EntityManager, userId: string, granted: boolean): Promise<void> {
    const [from, to] = granted ? [MissionStatus.PAUSED, MissionStatus.ACTIVE] : [MissionStatus.ACTIVE, MissionStatus.PAUSED];
    await em.nativeUpdate(Mission, { user: userId, status: from }, { status: to });
  }

  async checkIns(ctx: Context, mission: Mission) {
    const rows = await ctx.loaders.checkInsByMissionId.load(mission.id);
    return Promise.all(rows.map(async (c) => ({
      id: c.id, userId: c.userId, date: c.date, createdAt: c.createdAt,
      value: Number(await decryptPersonal(ctx, 'MissionCheckIn', 'valueEnc', c.userId, c.valueEnc)),
      note: await decryptPersonal(ctx, 'MissionCheckIn', 'noteEnc', c.userId, c.noteEnc),
    })));
  }

  /** Status and progress as of today (Asia/Seoul): stored ABANDONED or PAUSED stand; otherwise computed. */
  async view(ctx: Context, mission: Mission): Promise<MissionView> {
    const template = mission.template as MissionTemplate;
    const checkIns = await this.checkIns(ctx, mission);
    const progress = computeProgress(checkIns, template.targetValue, mission.startDate, mission.endDate, template.durationDays, seoulDate(new Date()));
    const held = mission.status === MissionStatus.ABANDONED || mission.status === MissionStatus.PAUSED;
    return { status: held ? mission.status : (progress.status as MissionStatus), progress };
  }

  async coaching(ctx: Context, mission: Mission) {
    return mission.lastCoachingId ? visibleOrNull(ctx, generatedContentPolicy, await ctx.em.findOne(GeneratedContent, mission.lastCoachingId)) : null;
  }

  /**
   * The template's coach answers after a check-in. Only the mission's title,
   * category and progress in words go in: no health value leaves the system.
   */
  private async coach(ctx: Context, mission: Mission, progress: MissionProgress): Promise<void> {
    const template = mission.template as MissionTemplate;
    if (!template.coachModelId || ctx.viewer.kind !== 'user') return;
    // A suspension of processing stops coaching.
    const [member] = await ctx.em.execute<{ suspended: boolean }[]>('select processing_suspended as suspended from users where id = ?', [ctx.viewer.userId]);
    if (member?.suspended) return;
    const model = await ctx.em.findOne(InfluencerModel, template.coachModelId);
    if (!model?.activeVersionId) return;
    const { version, artifact } = await this.deps.models.activeArtifact(ctx, model);
    const pace = progress.streakDays > 0 ? '연속으로 목표를 달성하고 있어요' : '오늘도 다시 시작해요';
    const output = respond({ ...artifact, persona: model.persona }, 'COACHING', `${template.title} ${template.category.toLowerCase()} ${pace}`);
    const content = ctx.em.create(GeneratedContent, {
      model, modelVersion: version.version, kind: ContentKind.COACHING, text: output.text, disclosure: disclosureFor(model.persona.language),
      createdById: ctx.viewer.userId,
    });
    mission.lastCoachingId = content.id;
  }
}
