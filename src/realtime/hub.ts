import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { channelPrefix, revocationChannel, topicChannel, type Revocation, type Topic } from './channels';

type Listener = () => void;

/**
 * The API process's side of live updates: one Redis subscriber connection
 * (opened on first use), shared by every socket. A Redis channel is
 * subscribed while at least one listener wants it.
 */
export class RealtimeHub {
  private subscriber: Redis | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly revocationListeners = new Set<(revocation: Revocation) => void>();
  readonly prefix: string;

  constructor(private readonly redisUrl: string, private readonly log: Logger) {
    this.prefix = channelPrefix(redisUrl);
  }

  private connection(): Redis {
    if (!this.subscriber) {
      const redis = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
      redis.on('error', () => undefined);
      redis.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      // A reconnect resubscribes by itself (ioredis autoResubscribe).
      this.subscriber = redis;
      void redis.subscribe(revocationChannel(this.prefix)).catch((error) => this.log.warn({ err: error }, 'realtime: could not subscribe to revocations'));
    }
    return this.subscriber;
  }

  private dispatch(channel: string, message: string): void {
    if (channel === revocationChannel(this.prefix)) {
      let revocation: Revocation;
      try {
        revocation = JSON.parse(message) as Revocation;
      } catch {
        return;
      }
      for (const listener of this.revocationListeners) listener(revocation);
      return;
    }
    for (const listener of this.listeners.get(channel) ?? []) listener();
  }

  /** Calls `listener` whenever the row changes; returns the unsubscribe. */
  listen(topic: Topic, id: string, listener: Listener): () => void {
    const channel = topicChannel(this.prefix, topic, id);
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      void this.connection().subscribe(channel).catch((error) => this.log.warn({ err: error }, 'realtime: could not subscribe'));
    }
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  onRevocation(listener: (revocation: Revocation) => void): () => void {
    this.connection();
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Resolves once the subscriber has its channels (tests and the first socket wait for it). */
  async ready(): Promise<void> {
    const redis = this.connection();
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    const redis = this.subscriber;
    this.subscriber = null;
    this.listeners.clear();
    this.revocationListeners.clear();
    // quit() waits for a connection that may never come (Redis away): then drop the client.
    if (redis) await (redis.status === 'ready' ? redis.quit().catch(() => redis.disconnect()) : redis.disconnect());
  }
}
