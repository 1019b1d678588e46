import type { Redis } from 'ioredis';

export interface RateWindow {
  count: number;
  retryAfterSeconds: number;
}

/** Fixed-window counters in Redis, shared by every server process. */
export class RateLimiter {
  constructor(private readonly redis: Redis, private readonly prefix = 'rl') {}

  async hit(key: string, windowSeconds: number): Promise<RateWindow> {
    const k = `${this.prefix}:${key}`;
    const result = await this.redis.multi().incr(k).expire(k, windowSeconds, 'NX').ttl(k).exec();
    const count = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[2]?.[1] ?? windowSeconds);
    return { count, retryAfterSeconds: ttl > 0 ? ttl : windowSeconds };
  }

  async peek(key: string): Promise<RateWindow> {
    const k = `${this.prefix}:${key}`;
    const [count, ttl] = await Promise.all([this.redis.get(k), this.redis.ttl(k)]);
    return { count: Number(count ?? 0), retryAfterSeconds: ttl > 0 ? ttl : 0 };
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:${key}`);
  }
}
