import type { EntityManager } from '@mikro-orm/postgresql';
import type { DataCategory } from '../modules/policies/policy.entity';
import { PERSONAL_DATA_REGISTRY, type RowClass } from './registry';

/** A registry row class resolved against the ORM's metadata: what erasure and the purge act on. */
export interface LifecycleTarget {
  entity: string;
  /** Schema-qualified, quoted. */
  table: string;
  subjectColumn: string | null;
  collectedAtColumn: string | null;
  rowClass: RowClass;
  /** For classes of properties: their columns, and what clearing writes. */
  propertyColumns: { column: string; nullable: boolean; defaultSql: string }[];
  /** Ciphertext columns: never copied to the separate store. */
  encryptedColumns: string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

let cached: LifecycleTarget[] | null = null;

/** Every row class of the registry, children before parents as the registry lists them. */
export function lifecycleTargets(em: Pick<EntityManager, 'getMetadata'>): LifecycleTarget[] {
  if (cached) return cached;
  const metadata = em.getMetadata();
  const targets: LifecycleTarget[] = [];
  for (const [entity, registration] of Object.entries(PERSONAL_DATA_REGISTRY)) {
    if (!registration.lifecycle?.length) continue;
    const meta = metadata.find(entity);
    if (!meta) throw new Error(`The registry names ${entity}, which is not an entity`);
    const column = (property: string) => {
      const prop = meta.properties[property as never] as { fieldNames?: string[] } | undefined;
      if (!prop?.fieldNames?.[0]) throw new Error(`${entity}.${property} has no column`);
      return prop.fieldNames[0];
    };
    const table = meta.schema ? `${quote(meta.schema)}.${quote(meta.tableName)}` : quote(meta.tableName);
    const encryptedColumns = Object.entries(registration.personal).filter(([, p]) => p.encrypted).map(([property]) => column(property));
    for (const rowClass of registration.lifecycle) {
      targets.push({
        entity,
        table,
        subjectColumn: registration.subject ? column(registration.subject) : null,
        collectedAtColumn: rowClass.collectedAt ? column(rowClass.collectedAt) : null,
        rowClass,
        propertyColumns: (rowClass.properties ?? []).map((property) => {
          const prop = meta.properties[property as never] as { nullable?: boolean; default?: unknown };
          if (!prop.nullable && prop.default === undefined) throw new Error(`${entity}.${property} can be neither cleared nor defaulted`);
          return { column: column(property), nullable: !!prop.nullable, defaultSql: prop.nullable ? 'null' : String(prop.default) };
        }),
        encryptedColumns,
      });
    }
  }
  cached = targets;
  return targets;
}

export interface RetentionPolicyRow { category: DataCategory; period: string; trigger: string; action: string; legalBasis: string }

/** The retention policies as the database holds them (what clients read from retentionPolicies). */
export async function retentionPolicies(em: EntityManager): Promise<Map<DataCategory, RetentionPolicyRow>> {
  const rows = await em.execute<RetentionPolicyRow[]>('select category, period, trigger, action, legal_basis as "legalBasis" from retention_policies');
  return new Map(rows.map((r) => [r.category, r]));
}
