import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { ApiScope, Role } from './auth/roles';
import type { Loaders } from './loaders';
import type { AccessReads } from './privacy/access-reads';
import type { KeyRing } from './privacy/key-ring';
import type { RealtimeHub } from './realtime/hub';
import type { Services } from './services';

export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; role: Role; organizationId: string | null; sessionId: string }
  | { kind: 'apiKey'; apiKeyId: string; organizationId: string; scopes: ApiScope[] };

export interface Context {
  requestId: string;
  ip: string;
  operationName: string | null;
  viewer: Viewer;
  /** A fork per request: its identity map and unit of work are this request's alone. */
  em: EntityManager;
  keys: KeyRing;
  loaders: Loaders;
  accessReads: AccessReads;
  services: Services;
  log: Logger;
  /** What the web-visit record of this request needs (shared with Apollo's per-operation context clone). */
  visit: { operation: string | null; userId: string | null; viewer?: string; errors?: number };
  /** Subscriptions (over WebSocket) listen through it. */
  realtime?: RealtimeHub;
}

/** Jobs and the CLI act as the system: no viewer, their own fork. */
export type UserViewer = Extract<Viewer, { kind: 'user' }>;

export const viewerUserId = (ctx: Pick<Context, 'viewer'>): string | null =>
  ctx.viewer.kind === 'user' ? ctx.viewer.userId : null;
