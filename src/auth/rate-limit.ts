import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Config } from '../config';

export interface Verdict {
  /** False once the key has used up its points in the current window (or is blocked). */
  allowed: boolean;
  /** Whole seconds until the window (or block) ends; at least 1. */
  retryAfterSeconds: number;
}

export interface LimitOptions {
  /** Redis keys are `<keyPrefix>:<key>`. */
  keyPrefix: string;
  /** Hits allowed per window: the one after them is over the limit. */
  points: number;
  durationSeconds: number;
  /** Once over the limit, the key is refused for this long from that moment (instead of until the window ends). */
  blockSeconds?: number;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

/**
 * One limit, counted in Redis by rate-limiter-flexible and so shared by every
 * server process. When Redis is not connected the limit is counted in this
 * process's memory instead (the insurance limiter, same points and window):
 * requests keep being served and stay limited per process rather than failing.
 */
export class Limit {
  private readonly limiter: RateLimiterRedis | null;

  /** `null` options: the limit is off (a setting of 0). */
  constructor(redis: Redis, readonly options: LimitOptions | null, private readonly log?: Logger) {
    if (!options) {
      this.limiter = null;
      return;
    }
    const common = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds, blockDuration: options.blockSeconds ?? 0 };
    this.limiter = new RateLimiterRedis({
      ...common,
      // ioredis: the client is passed as is (useRedisPackage is for node-redis 4+).
      storeClient: redis,
      // Without this a command waits for ioredis to reconnect (seconds) before the insurance takes over.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(common),
    });
  }

  get enabled(): boolean {
    return this.limiter !== null;
  }

  /** Counts one hit and says whether it is within the limit. */
  async consume(key: string): Promise<Verdict> {
    if (!this.limiter) return { allowed: true, retryAfterSeconds: 0 };
    try {
      const res = await this.limiter.consume(key);
      return { allowed: true, retryAfterSeconds: seconds(res.msBeforeNext) };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterSeconds: seconds(rejection.msBeforeNext) };
      return this.failOpen(rejection);
    }
  }

  /** Reads the key without counting: refused while it is over the limit (more than `points` hits, or blocked). */
  async check(key: string): Promise<Verdict> {
    if (!this.limiter) return { allowed: true, retryAfterSeconds: 0 };
    try {
      const res = await this.limiter.get(key);
      if (res && res.consumedPoints > this.limiter.points) return { allowed: false, retryAfterSeconds: seconds(res.msBeforeNext) };
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (error) {
      return this.failOpen(error);
    }
  }

  /** Counts one hit without refusing it (what was counted is checked on the next request). */
  async count(key: string): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.penalty(key);
    } catch (error) {
      this.failOpen(error);
    }
  }

  async reset(key: string): Promise<void> {
    await this.limiter?.delete(key).catch((error: unknown) => this.failOpen(error));
  }

  /** Neither Redis nor the insurance answered (not expected): serve the request rather than refuse everyone. */
  private failOpen(error: unknown): Verdict {
    this.log?.warn({ limit: this.options?.keyPrefix, err: { message: error instanceof Error ? error.message : String(error) } }, 'rate limiter unavailable; request allowed');
    return { allowed: true, retryAfterSeconds: 0 };
  }
}

/** Every limit of the API (README "Limits"). Keys hold an IP, an account or key id, or the email's blind index: never an email. */
export class RateLimits {
  /** Every request per client IP, counted before any credential is looked at. */
  readonly requestsPerIp: Limit;
  /** Every request per account or API key, counted once the credential is known. */
  readonly requestsPerIdentity: Limit;
  /** Failed sign-ins per IP across accounts (credential stuffing hits many accounts once each). */
  readonly signInFailuresPerIp: Limit;
  /**
   * Failed sign-ins on an email without an active account: locked exactly like an
   * account (the n-th failure answers RATE_LIMITED, then for SIGN_IN_LOCK_SECONDS),
   * so the lock does not tell which emails have accounts.
   */
  readonly signInFailuresUnknownEmail: Limit;

  constructor(redis: Redis, config: Readonly<Config>, log?: Logger) {
    const perMinute = (keyPrefix: string, points: number): LimitOptions | null => (points > 0 ? { keyPrefix, points, durationSeconds: 60 } : null);
    this.requestsPerIp = new Limit(redis, perMinute('rl:req-ip', config.requestsPerIpPerMinute), log);
    this.requestsPerIdentity = new Limit(redis, perMinute('rl:req-id', config.requestsPerMinute), log);
    const { perIpLimit, perIpWindowSeconds, maxFailures, lockSeconds, unknownEmailWindowSeconds } = config.signIn;
    // The perIpLimit-th failure puts the address over the limit: the attempt after it is refused.
    this.signInFailuresPerIp = new Limit(redis, perIpLimit > 0
      ? { keyPrefix: 'rl:signin-fail-ip', points: perIpLimit - 1, durationSeconds: perIpWindowSeconds }
      : null, log);
    // The maxFailures-th failure is over the limit: it is refused and blocks the key for lockSeconds from then on,
    // as the account lock does (an account's lock is in PostgreSQL, see AuthService.signIn).
    this.signInFailuresUnknownEmail = new Limit(redis, {
      keyPrefix: 'rl:signin-fail-email', points: Math.max(1, maxFailures) - 1, durationSeconds: unknownEmailWindowSeconds, blockSeconds: lockSeconds,
    }, log);
  }
}
