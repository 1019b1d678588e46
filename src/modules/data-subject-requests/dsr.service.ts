import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { enqueue } from '../../db/outbox';
import { readableOr404 } from '../../auth/policy';
import type { AuthService } from '../../auth/auth.service';
import { isUuid } from '../../common/ids';
import { emptyPage, paginate, type Page } from '../../common/pagination';
import { normalizePhone, optionalText, requiredText } from '../../common/validate';
import type { Context } from '../../context';
import { inTransaction } from '../../db/transaction';
import { AppError, badInput, conflict, notFound } from '../../errors';
import { safeErrorMessage } from '../../logging/safe-error';
import { publishDataSubjectRequestUpdated } from '../../realtime/publish';
import { AccessAction } from '../../privacy/access-log.entity';
import { eraseSubject, legalHoldInForce } from '../../privacy/erasure';
import { lifecycleTargets, retentionPolicies } from '../../privacy/lifecycle';
import { decryptPersonal, sealPersonal } from '../../privacy/personal-data';
import { PERSONAL_DATA_REGISTRY } from '../../privacy/registry';
import { SubjectKey } from '../../privacy/subject-key.entity';
import type { ServiceDeps } from '../../services';
import { ConsentPurpose } from '../consents/consent.entity';
import { DataCategory } from '../policies/policy.entity';
import { UsageEventType } from '../usage/usage.entity';
import { User, UserStatus } from '../users/user.entity';
import { CATEGORY_LABELS_KO, writeAccessExport } from './dsr-export';
import {
  DataSubjectRequest, EXPORT_RETENTION_DAYS, SeparatedRecord, DataSubjectRequestStatus as Status, DataSubjectRequestType as Type, type ErasureReportData, type ProcessingActivityData,
} from './dsr.entity';
import { dataSubjectRequestPolicy } from './dsr.policy';
import type { DataSubjectRequestFilter, RectificationInput, SubmitDataSubjectRequestInput } from './dsr.types';

const DAY = 24 * 3600_000;
/** PIPA: an answer within 10 days. */
const ANSWER_DAYS = 10;
/** A postponement moves the due date at most this far from submission. */
const MAX_POSTPONE_DAYS = 60;
/** Links to an export work at most a day; the export itself is destroyed after 7. */
export const EXPORT_LINK_SECONDS = 24 * 3600;
const OPEN = [Status.SUBMITTED, Status.IN_PROGRESS];

/** Why each category is processed: the privacy policy's purposes, in its words. */
const PURPOSES_KO: Record<DataCategory, string[]> = {
  [DataCategory.MEMBER_PROFILE]: ['회원 가입 및 관리', '본인 확인', '서비스 제공에 관한 연락'],
  [DataCategory.SERVICE_USAGE_RECORD]: ['서비스 제공 및 개선', '부정 이용 방지'],
  [DataCategory.MARKETING_CONSENT]: ['신상품·이벤트 안내 (선택 동의)'],
  [DataCategory.TRAINING_DATA]: ['기업 고객의 AI 인플루언서 학습'],
  [DataCategory.CONTRACT_RECORD]: ['계약 체결·이행 기록 보존 (법령)'],
  [DataCategory.PAYMENT_RECORD]: ['대금 결제 및 재화 공급 기록 보존 (법령)'],
  [DataCategory.COMPLAINT_RECORD]: ['민원·권리 행사 처리 및 분쟁 대응'],
  [DataCategory.WEB_VISIT_LOG]: ['접속 통계 및 보안 (통신비밀보호법)'],
  [DataCategory.ACCESS_LOG]: ['개인정보 접근 통제 및 감사 (안전성 확보조치)'],
  [DataCategory.CONVERSATION_LOG]: ['AI 대화 서비스 제공', '대화 분석을 통한 서비스 개선 (선택 동의)'],
  [DataCategory.HEALTH_DATA]: ['헬스케어 미션 및 코칭 (민감정보 별도 동의)'],
};

export interface DsrJobResult { status: Status }


/** After the change committed: subscribers to the request (dataSubjectRequestUpdated) re-read it. */
function published<T extends { id: string }>(request: T): T {
  publishDataSubjectRequestUpdated(request.id);
  return request;
}

export class DataSubjectRequestService {
  constructor(private readonly deps: ServiceDeps & { auth: AuthService }) {}

  private event(request: DataSubjectRequest, status: Status, note: string | null, now = new Date()) {
    request.status = status;
    request.events = [...request.events, { at: now.toISOString(), status, note }];
  }

  private officerLog(ctx: Context, request: DataSubjectRequest, what: string) {
    if (ctx.viewer.kind !== 'user') return Promise.resolve();
    return this.deps.accessLog.append(ctx.em, [{
      actorId: ctx.viewer.userId, actorRole: ctx.viewer.role, action: AccessAction.UPDATE, subjectId: request.subjectId,
      fields: ['dataSubjectRequest'], operation: ctx.operationName, ipAddress: ctx.ip, reason: `${request.type} ${what}`,
    }]).then(() => undefined);
  }

  // ---- the subject

  async submit(ctx: Context, input: SubmitDataSubjectRequestInput): Promise<DataSubjectRequest> {
    const user = await this.deps.auth.confirmPassword(ctx, input.password);
    const key = await ctx.keys.get(user.id);
    if (!key) throw conflict('This account can no longer make requests');
    const details = optionalText(input.details, 'details', 2000);
    const categories = [...new Set(input.categories ?? [])];
    if (categories.length && input.type !== Type.ERASURE) throw badInput('categories are for ERASURE requests', 'categories');
    if (input.corrections && input.type !== Type.RECTIFICATION) throw badInput('corrections are for RECTIFICATION requests', 'corrections');
    const corrections = input.corrections ? this.corrections(input.corrections, 'corrections') : null;
    if (input.type === Type.RECTIFICATION && !corrections && !details) throw badInput('Say what to correct (corrections or details)', 'corrections');
    const now = new Date();
    return inTransaction(ctx.em, async () => {
      // One open erasure at a time: a second would race the first.
      await ctx.em.execute('select id from users where id = ? for update', [user.id]);
      if (input.type === Type.ERASURE && await ctx.em.count(DataSubjectRequest, { subjectId: user.id, type: Type.ERASURE, status: { $in: OPEN } })) {
        throw conflict('An erasure request is already open');
      }
      const request = ctx.em.create(DataSubjectRequest, {
        subjectId: user.id, type: input.type, categories, submittedAt: now, dueAt: new Date(now.getTime() + ANSWER_DAYS * DAY),
        detailsEnc: sealPersonal(key, 'DataSubjectRequest', 'detailsEnc', user.id, details),
        correctionsEnc: sealPersonal(key, 'DataSubjectRequest', 'correctionsEnc', user.id, corrections ? JSON.stringify(corrections) : null),
      });
      this.event(request, Status.SUBMITTED, null, now);
      if (input.type === Type.PROCESSING_SUSPENSION) {
        // In force before the response returns; a second request while suspended lifts it.
        const suspend = !user.processingSuspended;
        await this.setSuspended(ctx.em, user, suspend);
        request.completedAt = now;
        this.event(request, Status.COMPLETED, suspend ? 'processing suspended' : 'suspension lifted at the subject\'s request', now);
      } else if (input.type !== Type.RECTIFICATION) {
        enqueue(ctx.em, 'data-subject-requests', { requestId: request.id });
      }
      return request;
    });
  }

  /** Suspension: personalisation, coaching, marketing and conversation analysis check it; missions pause and resume. */
  private async setSuspended(em: EntityManager, user: User, suspended: boolean): Promise<void> {
    user.processingSuspended = suspended;
    await em.flush();
    if (suspended) await this.deps.onHealthConsentChange?.(em, user.id, false);
    else if (await this.deps.consents.isGranted(em, user.id, ConsentPurpose.HEALTH_DATA)) await this.deps.onHealthConsentChange?.(em, user.id, true);
  }

  private corrections(input: RectificationInput, field: string) {
    const out: Record<string, string> = {};
    if (input.name != null) out.name = requiredText(input.name, `${field}.name`, 100);
    if (input.phone != null) out.phone = normalizePhone(input.phone, `${field}.phone`);
    if (input.department != null) out.department = requiredText(input.department, `${field}.department`, 100);
    if (input.jobTitle != null) out.jobTitle = requiredText(input.jobTitle, `${field}.jobTitle`, 100);
    return Object.keys(out).length ? out : null;
  }

  async find(ctx: Context, id: string): Promise<DataSubjectRequest> {
    return readableOr404(ctx, dataSubjectRequestPolicy, isUuid(id) ? await ctx.em.findOne(DataSubjectRequest, id) : null, 'Data-subject request');
  }

  listOfSubject(ctx: Context, subjectId: string): Promise<DataSubjectRequest[]> {
    return ctx.em.find(DataSubjectRequest, { subjectId }, { orderBy: { submittedAt: 'desc', id: 'desc' } });
  }

  list(ctx: Context, first: number, after: string | null | undefined, filter: DataSubjectRequestFilter | null | undefined): Promise<Page<DataSubjectRequest>> {
    const where: FilterQuery<DataSubjectRequest> = {};
    const and: FilterQuery<DataSubjectRequest>[] = [];
    if (filter?.status) and.push({ status: filter.status });
    if (filter?.type) and.push({ type: filter.type });
    if (filter?.overdue === true) and.push({ status: { $in: OPEN }, dueAt: { $lt: new Date() } });
    if (filter?.overdue === false) and.push({ $or: [{ status: { $nin: OPEN } }, { dueAt: { $gte: new Date() } }] });
    if (filter?.failed === true) and.push({ failedAt: { $ne: null }, status: { $in: OPEN } });
    if (filter?.failed === false) and.push({ failedAt: null });
    if (and.length) where.$and = and;
    return paginate(ctx.em, DataSubjectRequest, where, first, after, 'submittedAt');
  }

  /** The separate store, for the PRIVACY_OFFICER. */
  separated(ctx: Context, subjectId: string | null | undefined, first: number, after: string | null | undefined): Promise<Page<SeparatedRecord>> {
    if (subjectId && !isUuid(subjectId)) return Promise.resolve(emptyPage());
    return paginate(ctx.em, SeparatedRecord, subjectId ? { subjectId } : {}, first, after, 'separatedAt');
  }

  overdue(request: DataSubjectRequest, now = new Date()): boolean {
    return OPEN.includes(request.status) && request.dueAt < now;
  }

  async details(ctx: Context, request: DataSubjectRequest): Promise<string | null> {
    return decryptPersonal(ctx, 'DataSubjectRequest', 'detailsEnc', request.subjectId, request.detailsEnc);
  }

  async requestedCorrections(ctx: Context, request: DataSubjectRequest): Promise<Record<string, string> | null> {
    const text = await decryptPersonal(ctx, 'DataSubjectRequest', 'correctionsEnc', request.subjectId, request.correctionsEnc);
    return text ? JSON.parse(text) as Record<string, string> : null;
  }

  // ---- the export link

  private sign(id: string, file: string, expires: number): string {
    return createHmac('sha256', this.deps.config.jwtSecret).update(`export:${id}:${file}:${expires}`).digest('base64url');
  }

  /** A link of at most a day, and never past the export's own destruction. */
  exportLink(request: DataSubjectRequest, file: 'export.json' | 'export.html', now = new Date()): { url: string; expiresAt: Date } | null {
    if (!request.exportKey || !request.exportCreatedAt) return null;
    const destroyedAt = request.exportCreatedAt.getTime() + EXPORT_RETENTION_DAYS * DAY;
    const expires = Math.floor(Math.min(now.getTime() + EXPORT_LINK_SECONDS * 1000, destroyedAt) / 1000);
    if (expires * 1000 <= now.getTime()) return null;
    const url = `${this.deps.config.publicUrl}/exports/${request.id}/${file}?expires=${expires}&signature=${this.sign(request.id, file, expires)}`;
    return { url, expiresAt: new Date(expires * 1000) };
  }

  /** For the download route: the request whose link this is, if the signature holds and the link has not expired. */
  async requestForLink(em: EntityManager, id: string, file: string, expires: string, signature: string): Promise<DataSubjectRequest | null> {
    if (!isUuid(id) || !['export.json', 'export.html'].includes(file) || !/^\d{1,12}$/.test(expires)) return null;
    const expected = Buffer.from(this.sign(id, file, Number(expires)));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected) || Number(expires) * 1000 < Date.now()) return null;
    const request = await em.findOne(DataSubjectRequest, id);
    return request?.exportKey ? request : null;
  }

  async subjectKey(em: EntityManager, subjectId: string): Promise<Buffer | null> {
    const row = await em.findOne(SubjectKey, { subjectId });
    return row ? this.deps.master.unwrap(row) : null;
  }

  // ---- the officer

  private async findOpen(ctx: Context, id: string): Promise<DataSubjectRequest> {
    const request = await this.find(ctx, id);
    if (!OPEN.includes(request.status)) throw conflict(`The request is already ${request.status}`);
    return request;
  }

  private handledBy(ctx: Context, request: DataSubjectRequest) {
    if (ctx.viewer.kind === 'user') request.handledById = ctx.viewer.userId;
  }

  async start(ctx: Context, id: string): Promise<DataSubjectRequest> {
    const request = await this.findOpen(ctx, id);
    if (request.status !== Status.SUBMITTED) throw conflict('The request is already in progress');
    return inTransaction(ctx.em, async () => {
      this.handledBy(ctx, request);
      this.event(request, Status.IN_PROGRESS, 'taken up by a privacy officer');
      await this.officerLog(ctx, request, 'started');
      return request;
    }).then(published);
  }

  async reject(ctx: Context, id: string, reason: string): Promise<DataSubjectRequest> {
    const why = requiredText(reason, 'reason', 1000);
    const request = await this.findOpen(ctx, id);
    return inTransaction(ctx.em, async () => {
      this.handledBy(ctx, request);
      request.rejectionReason = why;
      request.completedAt = new Date();
      this.event(request, Status.REJECTED, why);
      await this.officerLog(ctx, request, 'rejected');
      return request;
    }).then(published);
  }

  async postpone(ctx: Context, id: string, reason: string, until: Date): Promise<DataSubjectRequest> {
    const why = requiredText(reason, 'reason', 1000);
    const request = await this.findOpen(ctx, id);
    if (!(until instanceof Date) || Number.isNaN(until.getTime()) || until <= request.dueAt) throw badInput('until must be later than the current due date', 'until');
    if (until.getTime() > request.submittedAt.getTime() + MAX_POSTPONE_DAYS * DAY) throw badInput(`until may be at most ${MAX_POSTPONE_DAYS} days after submission`, 'until');
    return inTransaction(ctx.em, async () => {
      this.handledBy(ctx, request);
      request.dueAt = until;
      this.event(request, request.status, `postponed to ${until.toISOString()}: ${why}`);
      await this.officerLog(ctx, request, 'postponed');
      return request;
    }).then(published);
  }

  /**
   * The officer completes what waits for a person: a RECTIFICATION (the
   * corrections are applied, the officer's own if given), an ERASURE whose
   * legal hold was released, or any request whose job ran out of retries.
   */
  async complete(ctx: Context, id: string, note: string | null | undefined, corrections?: RectificationInput | null): Promise<DataSubjectRequest> {
    const text = optionalText(note, 'note', 1000);
    const request = await this.findOpen(ctx, id);
    const officer = corrections ? this.corrections(corrections, 'rectification') : null;
    if (request.type === Type.RECTIFICATION) {
      const wanted = officer ?? (await this.requestedCorrections(ctx, request));
      return inTransaction(ctx.em, async () => {
        const applied = wanted ? await this.applyCorrections(ctx, request.subjectId, wanted) : [];
        this.handledBy(ctx, request);
        request.completedAt = new Date();
        this.event(request, Status.COMPLETED, text ?? (applied.length ? `corrected: ${applied.join(', ')}` : 'completed'));
        await this.officerLog(ctx, request, 'completed');
        return request;
      }).then(published);
    }
    if (request.type === Type.ERASURE && await legalHoldInForce(ctx.em, request.subjectId)) throw conflict('A legal hold on the subject is still in force');
    this.handledBy(ctx, request);
    await this.officerLog(ctx, request, 'completed by an officer');
    await ctx.em.flush();
    await this.process(ctx.em, request.id, text);
    await ctx.em.refresh(request);
    return published(request);
  }

  private async applyCorrections(ctx: Context, subjectId: string, corrections: Record<string, string>): Promise<string[]> {
    const user = await ctx.em.findOne(User, subjectId);
    const key = await ctx.keys.get(subjectId);
    if (!user || user.status !== UserStatus.ACTIVE || !key) throw conflict('The account is closed');
    const columns: Record<string, keyof User & string> = { name: 'nameEnc', phone: 'phoneEnc', department: 'departmentEnc', jobTitle: 'jobTitleEnc' };
    const applied: string[] = [];
    for (const [field, value] of Object.entries(corrections)) {
      const property = columns[field];
      if (!property) continue;
      (user as unknown as Record<string, Buffer | null>)[property] = sealPersonal(key, 'User', property, subjectId, value);
      applied.push(field);
    }
    if (ctx.viewer.kind === 'user' && applied.length) {
      await this.deps.accessLog.append(ctx.em, [{
        actorId: ctx.viewer.userId, actorRole: ctx.viewer.role, action: AccessAction.UPDATE, subjectId, fields: applied,
        operation: ctx.operationName, ipAddress: ctx.ip, reason: 'rectification request',
      }]);
    }
    this.deps.usage.record(ctx.em, subjectId, UsageEventType.PROFILE_CHANGE, null);
    return applied;
  }

  async liftSuspension(ctx: Context, userId: string): Promise<User> {
    const user = isUuid(userId) ? await ctx.em.findOne(User, userId) : null;
    if (!user) throw notFound('User');
    if (!user.processingSuspended) throw conflict('Processing of this user is not suspended');
    return inTransaction(ctx.em, async () => {
      await this.setSuspended(ctx.em, user, false);
      const latest = await ctx.em.findOne(DataSubjectRequest, { subjectId: user.id, type: Type.PROCESSING_SUSPENSION }, { orderBy: { submittedAt: 'desc' } });
      if (latest) this.event(latest, latest.status, 'suspension lifted by a privacy officer');
      if (ctx.viewer.kind === 'user') {
        await this.deps.accessLog.append(ctx.em, [{
          actorId: ctx.viewer.userId, actorRole: ctx.viewer.role, action: AccessAction.UPDATE, subjectId: user.id, fields: ['processingSuspended'],
          operation: ctx.operationName, ipAddress: ctx.ip, reason: 'processing suspension lifted',
        }]);
      }
      return user;
    });
  }

  // ---- withdrawal

  /** Immediate: the account closes and its data goes now, through the erasure engine (a legal hold keeps the data for an officer). */
  async withdraw(ctx: Context, password: string): Promise<{ userId: string; withdrawnAt: Date; erasure: ErasureReportData }> {
    const user = await this.deps.auth.confirmPassword(ctx, password);
    const now = new Date();
    const { report, objectKeys } = await inTransaction(ctx.em, async () => {
      await ctx.em.execute('select id from users where id = ? for update', [user.id]);
      await this.deps.sessions.revokeAll(ctx.em, user.id, 'withdrawn');
      const hold = await legalHoldInForce(ctx.em, user.id, now);
      if (hold) {
        // The account closes at once; its data waits for an officer, as an erasure request.
        user.status = UserStatus.WITHDRAWN;
        user.withdrawnAt = now;
        user.emailIndex = null;
        const request = ctx.em.create(DataSubjectRequest, { subjectId: user.id, type: Type.ERASURE, submittedAt: now, dueAt: new Date(now.getTime() + ANSWER_DAYS * DAY) });
        this.event(request, Status.SUBMITTED, 'withdrawal', now);
        this.event(request, Status.IN_PROGRESS, 'waiting for a privacy officer: a legal hold is in force', now);
        await ctx.em.flush();
        return { report: await this.heldReport(ctx.em, user.id, hold.until, now), objectKeys: [] };
      }
      const outcome = await eraseSubject(ctx.em, user.id, 'ALL', now);
      await this.logErasure(ctx.em, user.id, ctx, 'withdrawal');
      return outcome;
    });
    await this.deleteObjects(objectKeys);
    return { userId: user.id, withdrawnAt: now, erasure: report };
  }

  /** What a held withdrawal keeps: everything there is, until the hold ends and an officer erases it. */
  private async heldReport(em: EntityManager, subjectId: string, until: Date | null, now: Date): Promise<ErasureReportData> {
    const retainUntil = (until ?? new Date(now.getTime() + 365 * DAY)).toISOString();
    const held = (await this.processingStatus(em, subjectId)).filter((a) => a.recordCount > 0);
    return {
      erasedCategories: [], completedAt: now.toISOString(), counts: {},
      retained: held.map((a) => ({ category: a.category, count: a.recordCount, legalBasis: '법적 보존 조치 (legal hold): 해제 후 개인정보보호책임자가 파기', retainUntil })),
    };
  }

  private async logErasure(em: EntityManager, subjectId: string, ctx: Pick<Context, 'viewer' | 'ip' | 'operationName'> | null, reason: string) {
    const viewer = ctx?.viewer;
    await this.deps.accessLog.append(em, [{
      actorId: viewer?.kind === 'user' ? viewer.userId : null, actorRole: viewer?.kind === 'user' ? viewer.role : null,
      action: AccessAction.DELETE, subjectId, fields: ['*'], operation: ctx?.operationName ?? 'erasure', ipAddress: ctx?.ip ?? null, reason,
    }]);
  }

  private async deleteObjects(prefixes: string[]) {
    // The sweep removes what a failed delete leaves (the rows no longer own it).
    for (const prefix of prefixes) {
      for (const file of ['export.json', 'export.html']) await this.deps.storage.delete(`${prefix}${file}`).catch(() => undefined);
    }
  }

  // ---- the job

  /**
   * Runs a request's work (ACCESS export, status notice, erasure) and completes
   * it. Safe to retry: a completed request returns at once, and each step
   * rewrites its result rather than adding to it.
   */
  async process(em: EntityManager, id: string, note: string | null = null): Promise<DsrJobResult | null> {
    const request = await em.findOne(DataSubjectRequest, id);
    if (!request) return null;
    if (!OPEN.includes(request.status)) return { status: request.status };
    const now = new Date();
    if (request.status === Status.SUBMITTED) this.event(request, Status.IN_PROGRESS, 'started', now);
    request.attempts += 1;
    await em.flush();
    switch (request.type) {
      case Type.ACCESS: {
        const key = await this.subjectKey(em, request.subjectId);
        if (!key) throw new AppError('CONFLICT', 'The subject\'s key is gone: nothing to export');
        const prefix = `exports/${request.subjectId}/${request.id}/`;
        const records = await writeAccessExport(em, this.deps.storage, request.subjectId, key, prefix, now);
        await em.transactional(async (tx) => {
          const fresh = await tx.findOneOrFail(DataSubjectRequest, request.id);
          fresh.exportKey = prefix;
          fresh.exportCreatedAt = now;
          fresh.completedAt = now;
          this.event(fresh, Status.COMPLETED, note ?? `export ready: ${records} records`, now);
          await this.deps.accessLog.append(tx, [{ actorId: null, actorRole: null, action: AccessAction.EXPORT, subjectId: request.subjectId, fields: ['*'], operation: 'access export', reason: 'access request' }]);
        });
        return { status: Status.COMPLETED };
      }
      case Type.PROCESSING_STATUS_NOTICE: {
        request.processingStatus = await this.processingStatus(em, request.subjectId);
        request.completedAt = now;
        this.event(request, Status.COMPLETED, note, now);
        await em.flush();
        return { status: Status.COMPLETED };
      }
      case Type.ERASURE: {
        const result = await em.transactional(async (tx) => {
          const fresh = await tx.findOneOrFail(DataSubjectRequest, request.id);
          await tx.execute('select id from users where id = ? for update', [request.subjectId]);
          if (await legalHoldInForce(tx, request.subjectId, now)) {
            if (!fresh.events.some((e) => e.note?.startsWith('waiting for a privacy officer'))) {
              this.event(fresh, Status.IN_PROGRESS, 'waiting for a privacy officer: a legal hold is in force', now);
            }
            return { status: Status.IN_PROGRESS, objectKeys: [] as string[] };
          }
          const categories = fresh.categories as DataCategory[];
          const outcome = await eraseSubject(tx, request.subjectId, categories.length ? categories : 'ALL', now);
          if (!categories.length) await this.deps.sessions.revokeAll(tx, request.subjectId, 'erased');
          fresh.erasureReport = outcome.report;
          fresh.completedAt = now;
          this.event(fresh, Status.COMPLETED, note, now);
          await this.logErasure(tx, request.subjectId, null, categories.length ? `erasure of ${categories.join(', ')}` : 'erasure of everything');
          return { status: Status.COMPLETED, objectKeys: outcome.objectKeys };
        });
        await this.deleteObjects(result.objectKeys);
        return { status: result.status };
      }
      default:
        return { status: request.status };
    }
  }

  /** Out of retries: the request stays open, flagged for the officer, with a safe reason. Retried until the database answers. */
  async markFailed(orm: MikroORM, id: string, error: unknown): Promise<void> {
    const em = orm.em.fork();
    const request = await em.findOne(DataSubjectRequest, id);
    if (!request || !OPEN.includes(request.status)) return;
    request.failedAt = new Date();
    request.failure = safeErrorMessage(error).slice(0, 500);
    this.event(request, request.status, `failed after ${request.attempts} attempts; waiting for a privacy officer`);
    await em.flush();
  }

  /** PROCESSING_STATUS_NOTICE: per category, from the registry, the retention policies and the processors. */
  async processingStatus(em: EntityManager, subjectId: string): Promise<ProcessingActivityData[]> {
    const policies = await retentionPolicies(em);
    const processors = (await em.execute<{ name: string; task: string }[]>('select name, task from processors order by sort_order')).map((p) => `${p.name} (${p.task})`);
    const counts = new Map<DataCategory, number>();
    const items = new Map<DataCategory, Set<string>>();
    for (const [, registration] of Object.entries(PERSONAL_DATA_REGISTRY)) {
      if (!registration.subject) continue;
      for (const entry of Object.values(registration.personal)) {
        if (!items.has(entry.category)) items.set(entry.category, new Set());
        items.get(entry.category)!.add(entry.item);
      }
    }
    for (const target of lifecycleTargets(em)) {
      if (!target.subjectColumn || target.rowClass.properties) continue;
      const [{ n }] = await em.execute<{ n: number }[]>(
        `select count(*)::int as n from ${target.table} where ${target.subjectColumn} = ?${target.rowClass.where ? ` and (${target.rowClass.where})` : ''}`, [subjectId]);
      counts.set(target.rowClass.category, (counts.get(target.rowClass.category) ?? 0) + n);
    }
    const [{ profile }] = await em.execute<{ profile: number }[]>("select count(*)::int as profile from users where id = ? and status = 'ACTIVE'", [subjectId]);
    counts.set(DataCategory.MEMBER_PROFILE, (counts.get(DataCategory.MEMBER_PROFILE) ?? 0) + profile);
    return Object.values(DataCategory).map((category) => {
      const policy = policies.get(category);
      return {
        category,
        purposes: PURPOSES_KO[category],
        items: [...(items.get(category) ?? [])],
        retention: policy ? `${CATEGORY_LABELS_KO[category]}: ${policy.period} (${policy.trigger}) 후 ${policy.action} — ${policy.legalBasis}` : CATEGORY_LABELS_KO[category],
        processors,
        recordCount: counts.get(category) ?? 0,
      };
    });
  }
}

