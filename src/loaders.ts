import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey } from './modules/api-keys/api-key.entity';
import { ConsentEvent, type ConsentPurpose } from './modules/consents/consent.entity';
import { ChatMessage } from './modules/conversations/conversation.entity';
import { Product } from './modules/catalog/catalog.entity';
import { Dataset } from './modules/datasets/dataset.entity';
import { MissionCheckIn } from './modules/missions/mission.entity';
import { InfluencerModel, ModelVersion, TrainingJob } from './modules/models/model.entity';
import { Organization } from './modules/organizations/organization.entity';
import { User } from './modules/users/user.entity';

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
    /**
     * The latest event per purpose of each user (what `consents` shows): the database picks them
     * (distinct on), and they come back as plain rows, not entities: a page of 100 users is 700
     * rows, and hydrating them was most of its cost.
     */
    currentConsentsByUserId: new DataLoader<string, CurrentConsentRow[]>(async (ids) => {
      // One row per user, its purposes' latest events as one JSON array: a page of 100 users is 100 rows to
      // read, not 700 for the driver to parse column by column (most of the consents' cost on a users page).
      const rows = await em.getConnection().execute<{ userId: string; events: [ConsentPurpose, boolean, string, number][] }[]>(
        `select user_id as "userId", json_agg(json_build_array(purpose, granted, policy_version, floor(extract(epoch from at) * 1000))) as events
         from (select distinct on (user_id, purpose) user_id, purpose, granted, policy_version, at
               from consent_events where user_id in (?) order by user_id, purpose, at desc, id desc) latest
         group by user_id`,
        [ids as string[]],
      );
      const byUser = new Map(rows.map((row) => [row.userId, row.events]));
      return ids.map((id) => (byUser.get(id) ?? []).map(([purpose, granted, policyVersion, at]) => ({ purpose, granted, policyVersion, at: new Date(at) })));
    }),
  };
}

/** What the current state of one purpose needs of its latest event. */
export type CurrentConsentRow = Pick<ConsentEvent, 'purpose' | 'granted' | 'policyVersion' | 'at'>;

export type Loaders = ReturnType<typeof createLoaders>;
