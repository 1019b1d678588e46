import type { Context } from '../context';
import { createLoaders } from '../loaders';
import { AccessReads } from '../privacy/access-reads';
import { KeyRing } from '../privacy/key-ring';
import { forbidden } from '../errors';
import type { Topic } from './channels';

/** A shield rule as graphql-shield holds it. */
export interface ShieldRule { resolve(parent: unknown, args: unknown, ctx: unknown, info: unknown, options: unknown): Promise<unknown> }

/**
 * graphql-middleware wraps a subscription field's resolve (run per event), not
 * its subscribe: the operation rule is asked here too, before anything is
 * listened to, with the same answer as over shield (UNAUTHENTICATED, FORBIDDEN).
 */
export async function allowedBy(rule: ShieldRule, args: unknown, ctx: Context, info: unknown): Promise<void> {
  const shieldCtx = ctx as Context & { _shield?: { cache: Record<string, unknown> } };
  shieldCtx._shield ??= { cache: {} };
  const verdict = await rule.resolve(undefined, args, shieldCtx, info, { debug: false, allowExternalErrors: true, hashFunction: () => JSON.stringify(args) });
  if (verdict instanceof Error) throw verdict;
  if (verdict !== true) throw forbidden();
}

/** Each event is read afresh: a clean identity map and loaders, so nothing of an earlier event is served again. */
function refresh(ctx: Context): void {
  ctx.em.clear();
  ctx.loaders = createLoaders(ctx.em);
  ctx.keys = new KeyRing(ctx.em, ctx.services.master);
  ctx.accessReads = new AccessReads();
}

/**
 * The async iterator behind a `…Updated(id)` subscription. `load` reads the
 * row through its service, which asks the resource's policy (NOT_FOUND when
 * the viewer may not read it): at subscribe time that error is the answer;
 * later (the row deleted, access lost) the subscription completes. The first
 * value is the current state, then one per change; changes that arrive while
 * a value is being read are coalesced into the next read.
 */
export async function follow<Row>(ctx: Context, topic: Topic, id: string, load: (ctx: Context) => Promise<Row>): Promise<AsyncIterableIterator<Row>> {
  const hub = ctx.realtime;
  if (!hub) throw new Error('Subscriptions need the realtime hub (they are served over WebSocket)');
  let pending = false;
  let done = false;
  let wake: (() => void) | null = null;
  const stop = hub.listen(topic, id, () => {
    pending = true;
    wake?.();
  });
  const finish = () => {
    if (done) return;
    done = true;
    stop();
    wake?.();
  };
  let first: Row;
  try {
    await hub.ready();
    first = await load(ctx);
  } catch (error) {
    finish();
    throw error;
  }
  let firstSent = false;
  const end = { done: true, value: undefined } as IteratorReturnResult<undefined>;
  const iterator: AsyncIterableIterator<Row> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (done) return end;
      if (!firstSent) {
        firstSent = true;
        return { done: false, value: first };
      }
      while (!pending && !done) await new Promise<void>((resolve) => { wake = resolve; });
      wake = null;
      if (done) return end;
      pending = false;
      refresh(ctx);
      try {
        return { done: false, value: await load(ctx) };
      } catch {
        finish();
        return end;
      }
    },
    async return() {
      finish();
      return end;
    },
  };
  return iterator;
}
