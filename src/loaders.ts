import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from './modules/api-keys/api-key.entity';
import { ConsentEvent } from './modules/consents/consent.entity';
import { ChatMessage } from './modules/conversations/conversation.entity';
import { Product } from './modules/catalog/catalog.entity';
import { Dataset } from './modules/datasets/dataset.entity';
import { MissionCheckIn } from './modules/missions/mission.entity';
import { InfluencerModel, ModelVersion, TrainingJob } from './modules/models/model.entity';
import { Organization } from './modules/organizations/organization.entity';
import { type CurrentConsentState, User } from './modules/users/user.entity';

// Per-request loaders, named XByYLoader-style: one query per field per
// request, however many parents ask.

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

function byId<T extends { id: string }>(em: EntityManager, entity: new () => T) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = (await em.find(entity as never, { id: { $in: [...ids] } } as never)) as T[];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

export function createLoaders(em: EntityManager) {
  return {
    userById: new DataLoader<string, User | null>(async (ids) => {
      const rows = await em.find(User, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    modelById: byId(em, InfluencerModel),
    productById: byId(em, Product),
    modelVersionById: byId(em, ModelVersion),
    modelVersionsByModelId: new DataLoader<string, ModelVersion[]>(async (ids) => {
      const rows = await em.find(ModelVersion, { model: { $in: [...ids] } }, { orderBy: { version: 'asc' } });
      return groupBy(ids, rows, (v) => v.model.id);
    }),
    trainingJobsByModelId: new DataLoader<string, TrainingJob[]>(async (ids) => {
      const rows = await em.find(TrainingJob, { model: { $in: [...ids] } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      return groupBy(ids, rows, (j) => j.model.id);
    }),
    /** Keyed by a job's list of dataset ids; one query for all jobs of the request. */
    datasetsByIds: new DataLoader<string[], Dataset[], string>(async (lists) => {
      const rows = await em.find(Dataset, { id: { $in: [...new Set(lists.flat())] } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return lists.map((ids) => ids.map((id) => byId.get(id)).filter((d): d is Dataset => !!d));
    }, { cacheKeyFn: (ids) => ids.join(',') }),
    messagesByConversationId: new DataLoader<string, ChatMessage[]>(async (ids) => {
      const rows = await em.find(ChatMessage, { conversation: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return groupBy(ids, rows, (m) => m.conversation.id);
    }),
    checkInsByMissionId: new DataLoader<string, MissionCheckIn[]>(async (ids) => {
      const rows = await em.find(MissionCheckIn, { mission: { $in: [...ids] } }, { orderBy: { date: 'asc' } });
      return groupBy(ids, rows, (c) => c.mission.id);
    }),
    organizationById: new DataLoader<string, Organization | null>(async (ids) => {
      const rows = await em.find(Organization, { id: { $in: [...ids] } });
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    membersByOrganizationId: new DataLoader<string, User[]>(async (ids) => {
      const rows = await em.find(User, { organization: { $in: [...ids] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return groupBy(ids, rows, (u) => u.organization!.id);
    }),
    apiKeysByOrganizationId: new DataLoader<string, ApiKey[]>(async (ids) => {
      const rows = await em.find(ApiKey, { organization: { $in: [...ids] } }, { orderBy: { createdAt: 'asc' } });
      return groupBy(ids, rows, (k) => k.organization.id);
    }),
    consentEventsByUserId: new DataLoader<string, ConsentEvent[]>(async (ids) => {
      const rows = await em.find(ConsentEvent, { user: { $in: [...ids] } }, { orderBy: { at: 'asc', id: 'asc' } });
      return groupBy(ids, rows, (e) => e.user.id);
    }),
    /** Each user's consents in force, as the database keeps them on the user's row (users.current_consents). */
    currentConsentsByUserId: new DataLoader<string, CurrentConsentState>(async (ids) => {
      const rows = await em.getConnection().execute<{ id: string; state: CurrentConsentState | null }[]>(
        'select id, current_consents as state from users where id in (?)', [ids as string[]],
      );
      const byUser = new Map(rows.map((row) => [row.id, row.state]));
      return ids.map((id) => byUser.get(id) ?? []);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
