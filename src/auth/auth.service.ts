import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Context } from '../context';
import { inTransaction } from '../db/transaction';
import { badInput, conflict, rateLimited, unauthenticated } from '../errors';
import { type ConsentChannel } from '../modules/consents/consent.entity';
import { Organization } from '../modules/organizations/organization.entity';
import { UsageEventType } from '../modules/usage/usage.entity';
import { User, UserStatus } from '../modules/users/user.entity';
import { AccessAction } from '../privacy/access-log.entity';
import { sealPersonal } from '../privacy/personal-data';
import type { ServiceDeps } from '../services';
import { normalizeEmail, normalizePhone, optionalText, requiredText } from '../common/validate';
import type { SignUpInput } from './auth.types';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords';
import { Role } from './roles';
import { RefreshToken, type Session } from './session.entity';
import { sha256 } from './tokens';

/** One answer for every lock, an account's or an unknown email's. */
const LOCKED = 'Too many failed sign-ins; the account is locked for a while';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  user: User;
}

export class AuthService {
  constructor(private readonly deps: ServiceDeps) {}

  emailIndex(email: string): string {
    return this.deps.emailIndex.current(email);
  }

  async signUp(ctx: Context, input: SignUpInput, channel: ConsentChannel): Promise<AuthResult> {
    if (input.accountType !== Role.MEMBER && input.accountType !== Role.ENTERPRISE) {
      throw badInput('accountType must be MEMBER or ENTERPRISE; staff roles are granted by an ADMIN', 'accountType');
    }
    const email = normalizeEmail(input.email);
    checkPasswordPolicy(input.password);
    const name = requiredText(input.name, 'name', 100);
    const phone = normalizePhone(input.phone);
    const enterprise = input.accountType === Role.ENTERPRISE;
    const organizationName = enterprise ? requiredText(input.organizationName, 'organizationName', 200) : null;
    if (!enterprise && input.organizationName) throw badInput('Only ENTERPRISE accounts create an organization', 'organizationName');
    const department = optionalText(input.department, 'department', 100);
    const jobTitle = optionalText(input.jobTitle, 'jobTitle', 100);
    const policy = await this.deps.policies.current(ctx.em);
    if (input.policyVersion !== policy.version) {
      throw badInput(`policyVersion must be the policy in effect (${policy.version})`, 'policyVersion');
    }
    this.deps.consents.validate(input.consents);
    const emailIndex = this.emailIndex(email);
    if (await ctx.em.count(User, { emailIndex: { $in: this.deps.emailIndex.candidates(email) } })) throw conflict('An account with this email already exists');
    const passwordHash = await hashPassword(input.password);

    try {
      return await inTransaction(ctx.em, async () => {
        const user = ctx.em.create(User, { role: input.accountType, emailIndex, passwordHash });
        const key = ctx.keys.create(user.id);
        user.emailEnc = sealPersonal(key, 'User', 'emailEnc', user.id, email);
        user.nameEnc = sealPersonal(key, 'User', 'nameEnc', user.id, name);
        user.phoneEnc = sealPersonal(key, 'User', 'phoneEnc', user.id, phone);
        user.departmentEnc = sealPersonal(key, 'User', 'departmentEnc', user.id, department);
        user.jobTitleEnc = sealPersonal(key, 'User', 'jobTitleEnc', user.id, jobTitle);
        if (organizationName) user.organization = ctx.em.create(Organization, { name: organizationName });
        this.deps.consents.recordInitial(ctx.em, user, input.consents, policy.version, channel);
        this.deps.usage.record(ctx.em, user.id, UsageEventType.SIGN_UP, ctx.ip);
        return this.startSession(ctx, user);
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict('An account with this email already exists');
      throw error;
    }
  }

  async signIn(ctx: Context, rawEmail: string, password: string): Promise<AuthResult> {
    await this.checkIpFailures(ctx);
    const email = rawEmail.trim().toLowerCase();
    const user = await ctx.em.findOne(User, { emailIndex: { $in: this.deps.emailIndex.candidates(email) }, status: UserStatus.ACTIVE });
    // An email without an (active) account is locked just like an account, in Redis under its blind index,
    // so that neither the lock nor its absence tells which emails have accounts.
    const unknownEmailLock = this.deps.rateLimits.signInFailuresUnknownEmail;
    const unknownKey = user ? null : this.emailIndex(email);
    const now = Date.now();
    if (user?.lockedUntil && user.lockedUntil.getTime() > now) {
      await this.logSignIn(ctx, user, AccessAction.SIGN_IN_FAILED, 'account locked');
      throw rateLimited(LOCKED, (user.lockedUntil.getTime() - now) / 1000);
    }
    if (unknownKey) {
      const lock = await unknownEmailLock.check(unknownKey);
      if (!lock.allowed) {
        await this.logSignIn(ctx, null, AccessAction.SIGN_IN_FAILED, 'unknown account, locked');
        throw rateLimited(LOCKED, lock.retryAfterSeconds);
      }
    }
    const valid = await verifyPassword(user?.passwordHash ?? null, password);
    if (!user || !valid) {
      // One atomic statement: parallel guesses must not overwrite each other's count and slip past the lock.
      // A guess that was already in flight when the lock came neither extends it nor counts towards the next one
      // (rate-limiter-flexible blocks only on the failure that crosses the limit, so unknown emails behave the same).
      let locked: { retryAfterSeconds: number } | null = null;
      if (user) {
        if (await this.countFailure(ctx, user.id, now)) locked = { retryAfterSeconds: this.deps.config.signIn.lockSeconds };
      } else {
        const verdict = await unknownEmailLock.consume(unknownKey!);
        if (!verdict.allowed) locked = verdict;
      }
      await this.logSignIn(ctx, user, AccessAction.SIGN_IN_FAILED, user ? 'wrong password' : 'unknown account');
      await this.countIpFailure(ctx);
      if (locked) throw rateLimited(LOCKED, locked.retryAfterSeconds);
      throw unauthenticated('Email or password is wrong');
    }
    // Reset only if no lock landed while the password was being checked (a parallel guess may have set one).
    const [reset] = await ctx.em.execute<{ id: string }[]>(
      'update users set failed_sign_ins = 0, locked_until = null where id = ? and (locked_until is null or locked_until <= now()) returning id',
      [user.id],
    );
    if (!reset) {
      await this.logSignIn(ctx, user, AccessAction.SIGN_IN_FAILED, 'account locked');
      throw rateLimited(LOCKED, this.deps.config.signIn.lockSeconds);
    }
    return inTransaction(ctx.em, async () => {
      this.deps.usage.record(ctx.em, user.id, UsageEventType.SIGN_IN, ctx.ip);
      const result = await this.startSession(ctx, user);
      await this.logSignIn(ctx, user, AccessAction.SIGN_IN, null);
      return result;
    });
  }

  /** Rotation: each refresh token works once; a spent one coming back revokes its whole family. */
  async refresh(ctx: Context, token: string): Promise<AuthResult> {
    const stored = await ctx.em.findOne(RefreshToken, { tokenHash: sha256(token) }, { populate: ['session', 'session.user'] });
    if (!stored) throw unauthenticated('Refresh token is not valid');
    const session = stored.session;
    if (stored.usedAt) {
      await this.deps.sessions.revoke(ctx.em, session.id, 'refresh token reused');
      throw unauthenticated('Refresh token was already used; the session has been ended');
    }
    const user = session.user;
    if (session.revokedAt || stored.expiresAt.getTime() <= Date.now() || user.status !== UserStatus.ACTIVE) {
      throw unauthenticated('Session has ended; sign in again');
    }
    // Conditional update: of two concurrent refreshes with the same token, one wins.
    const claimed = await ctx.em.nativeUpdate(RefreshToken, { id: stored.id, usedAt: null }, { usedAt: new Date() });
    if (claimed !== 1) {
      await this.deps.sessions.revoke(ctx.em, session.id, 'refresh token reused');
      throw unauthenticated('Refresh token was already used; the session has been ended');
    }
    const refreshToken = this.deps.sessions.issue(ctx.em, session);
    await ctx.em.flush();
    return this.authenticated(ctx, user, session, refreshToken);
  }

  async signOut(ctx: Context): Promise<boolean> {
    if (ctx.viewer.kind !== 'user') throw unauthenticated();
    await this.deps.sessions.revoke(ctx.em, ctx.viewer.sessionId, 'signed out');
    this.deps.usage.record(ctx.em, ctx.viewer.userId, UsageEventType.SIGN_OUT, ctx.ip);
    await ctx.em.flush();
    return true;
  }

  /** Ends every session, this one included: other devices must sign in with the new password. */
  async changePassword(ctx: Context, currentPassword: string, newPassword: string): Promise<boolean> {
    if (ctx.viewer.kind !== 'user') throw unauthenticated();
    const user = await ctx.em.findOne(User, ctx.viewer.userId);
    if (!user || user.status !== UserStatus.ACTIVE) throw unauthenticated();
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw badInput('currentPassword is wrong', 'currentPassword');
    checkPasswordPolicy(newPassword, 'newPassword');
    if (newPassword === currentPassword) throw badInput('newPassword must differ from the current one', 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    await inTransaction(ctx.em, async () => {
      user.passwordHash = passwordHash;
      await this.deps.sessions.revokeAll(ctx.em, user.id, 'password changed');
      this.deps.usage.record(ctx.em, user.id, UsageEventType.PASSWORD_CHANGE, ctx.ip);
    });
    return true;
  }

  /** Counts a wrong password towards the lock, in one atomic statement; true when the account is now locked. */
  private async countFailure(ctx: Context, userId: string, now: number): Promise<boolean> {
    const [counted] = await ctx.em.execute<{ locked: boolean | null }[]>(
      `update users set
         failed_sign_ins = case when locked_until > now() then failed_sign_ins when failed_sign_ins + 1 >= ? then 0 else failed_sign_ins + 1 end,
         locked_until = case when locked_until > now() then locked_until when failed_sign_ins + 1 >= ? then ? else locked_until end
       where id = ? returning locked_until > now() as "locked"`,
      [this.deps.config.signIn.maxFailures, this.deps.config.signIn.maxFailures,
        new Date(now + this.deps.config.signIn.lockSeconds * 1000), userId],
    );
    return !!counted?.locked;
  }

  /**
   * Re-authentication for acts that cannot be undone (data-subject requests,
   * withdrawal): a wrong password is refused and counted like a failed
   * sign-in, so it locks the account just the same.
   */
  async confirmPassword(ctx: Context, password: string, field = 'password'): Promise<User> {
    if (ctx.viewer.kind !== 'user') throw unauthenticated();
    const user = await ctx.em.findOne(User, ctx.viewer.userId);
    if (!user || user.status !== UserStatus.ACTIVE) throw unauthenticated();
    const now = Date.now();
    if (user.lockedUntil && user.lockedUntil.getTime() > now) throw rateLimited(LOCKED, (user.lockedUntil.getTime() - now) / 1000);
    if (await verifyPassword(user.passwordHash, password)) {
      await ctx.em.execute('update users set failed_sign_ins = 0 where id = ? and failed_sign_ins > 0', [user.id]);
      return user;
    }
    const locked = await this.countFailure(ctx, user.id, now);
    await this.logSignIn(ctx, user, AccessAction.SIGN_IN_FAILED, 'wrong password on re-authentication');
    if (locked) throw rateLimited(LOCKED, this.deps.config.signIn.lockSeconds);
    throw badInput('The password is wrong', field);
  }

  private async startSession(ctx: Context, user: User): Promise<AuthResult> {
    const { session, refreshToken } = this.deps.sessions.start(ctx.em, user);
    return this.authenticated(ctx, user, session, refreshToken);
  }

  /** The rest of this request (the payload's user fields) is read as the signed-in user. */
  private async authenticated(ctx: Context, user: User, session: Session, refreshToken: string): Promise<AuthResult> {
    const access = await this.deps.tokens.issueAccessToken({ userId: user.id, sessionId: session.id, role: user.role });
    ctx.viewer = { kind: 'user', userId: user.id, role: user.role, organizationId: user.organization?.id ?? null, sessionId: session.id };
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
  }

  private async logSignIn(ctx: Context, user: User | null, action: AccessAction, reason: string | null): Promise<void> {
    await this.deps.accessLog.append(ctx.em, [{
      actorId: user?.id ?? null, actorRole: user?.role ?? null, action, subjectId: user?.id ?? null,
      fields: [], operation: ctx.operationName, ipAddress: ctx.ip, reason,
    }]);
  }

  /** Failed sign-ins per IP, across accounts: credential stuffing hits many accounts once each. */
  private async checkIpFailures(ctx: Context): Promise<void> {
    const verdict = await this.deps.rateLimits.signInFailuresPerIp.check(ctx.ip);
    if (!verdict.allowed) throw rateLimited('Too many failed sign-ins from this address', verdict.retryAfterSeconds);
  }

  private async countIpFailure(ctx: Context): Promise<void> {
    await this.deps.rateLimits.signInFailuresPerIp.count(ctx.ip);
  }
}
