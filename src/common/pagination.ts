import { raw, ReferenceKind, type EntityName, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from '../errors';
import type { KeyRing } from '../privacy/key-ring';
import { isUuid } from './ids';

@ObjectType({ description: 'Where a page ends.', simpleResolvers: true })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** Counted only when a client asks for it (a getter: the field's resolver reads it): most pages never do, and counting a large table is its own scan. */
  readonly totalCount: number | Promise<number>;
}

/**
 * Relay-style connection types with the contract's names (XEdge, XConnection). An edge and a page's edges and
 * pageInfo are plain values (type-graphql's simple resolvers: the executor reads them inline, not through a
 * resolver each); totalCount keeps its resolver, as it may be a promise (a getter counting on demand).
 */
export function connectionTypes<T extends object>(name: string, nodeType: ClassType<T>, description: string) {
  @ObjectType(`${name}Edge`, { description: `One ${description} and its cursor.`, simpleResolvers: true })
  class Edge {
    @Field({ description: 'Opaque position of this edge.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${description}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${description}s.` })
  class Connection {
    @Field(() => [Edge], { description: 'The items of this page.', simple: true })
    edges!: Edge[];

    @Field(() => PageInfo, { description: 'Whether more items follow.', simple: true })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Number of items matching, over all pages.' })
    totalCount!: number;
  }
  return { Edge, Connection };
}

export const MAX_PAGE_SIZE = 100;

/** A filter that can match nothing (an id that is not a UUID, say) answers an empty page, not an error. */
export const emptyPage = <T>(): Page<T> => ({ edges: [], totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null } });

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  return first;
}

const encodeCursor = (createdAt: Date, id: string | number) => Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');

function decodeCursor(cursor: string): [Date, string | number] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || (typeof id !== 'string' && typeof id !== 'number')) throw new Error('bad');
    return [date, id];
  } catch {
    throw badInput('after is not a cursor this API gave out', 'after');
  }
}

/**
 * Keyset pagination over (key date, id), oldest first: stable while rows are
 * added, and one indexed range scan per page however deep.
 */
export async function paginate<T extends { id: string | number }>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  first: number,
  after: string | null | undefined,
  keyProperty: keyof T & string = 'createdAt' as keyof T & string,
  idProperty: keyof T & string = 'id' as keyof T & string,
  options: { rows?: boolean; subjectKeys?: KeyRing } = {},
): Promise<Page<T>> {
  checkPageSize(first);
  let pageWhere = where;
  if (after) {
    const [at, id] = decodeCursor(after);
    // A forged id of the wrong kind would reach PostgreSQL as a cast error (a 500), not a bad input.
    const key = em.getMetadata().find(entity)?.properties[idProperty as never] as { runtimeType?: string; columnTypes?: string[] } | undefined;
    const fits = key?.runtimeType === 'number'
      ? Number.isSafeInteger(id)
      : typeof id === 'string' && (key?.columnTypes?.[0] !== 'uuid' || isUuid(id));
    if (!fits) throw badInput('after is not a cursor this API gave out', 'after');
    pageWhere = { $and: [where, { $or: [{ [keyProperty]: { $gt: at } }, { [keyProperty]: at, [idProperty]: { $gt: id } }] }] } as FilterQuery<T>;
  }
  const orderBy = { [keyProperty]: 'asc', [idProperty]: 'asc' } as never;
  const rows = options.rows ? await readRows(em, entity, pageWhere, orderBy, first + 1, options.subjectKeys) : await em.find(entity, pageWhere, { orderBy, limit: first + 1 });
  let counted: Promise<number> | null = null;
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node[keyProperty] as unknown as Date, node[idProperty] as unknown as string), node }));
  return {
    edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
    get totalCount() {
      return (counted ??= em.count(entity, where));
    },
  };
}

/**
 * A page's rows as plain objects of the entity's properties, each reference as `{ id }`: what read-only
 * field resolvers and policies consult, without the unit of work. MikroORM defines a tracked accessor per
 * property on every entity it hydrates, which was most of the cost of a page of 100 users (60 µs a row).
 * Only for pages that nothing writes through. With `subjectKeys` (rows whose id is a data subject's), each
 * row's wrapped data key comes in the same statement and goes to the request's key ring: the page's
 * personal fields are then answered without a query of their own.
 */
async function readRows<T extends object>(
  em: EntityManager, entity: EntityName<T>, where: FilterQuery<T>, orderBy: never, limit: number, subjectKeys?: KeyRing,
): Promise<T[]> {
  const meta = em.getMetadata().get(entity as never);
  const isReference = (p: { kind: ReferenceKind; owner?: boolean }) => p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && !!p.owner);
  const references = meta.relations.filter(isReference).map((p) => p.name);
  // Hidden properties (a password hash, a key's digest) are never read for a page: no resolver may show them.
  // Lazy ones are: an entity leaves them out, a page reads what its fields show (a user's consents in force).
  const columns = meta.props.filter((p) => p.persist !== false && !p.hidden && (p.kind === ReferenceKind.SCALAR || isReference(p))).map((p) => p.name);
  const qb = em.createQueryBuilder(entity).select(columns as never).where(where).orderBy(orderBy).limit(limit);
  if (subjectKeys) {
    qb.addSelect([
      raw(`(select k.wrapped_key from subject_keys k where k.subject_id = "${qb.alias}".id) as "${WRAPPED_KEY}"`),
      raw(`(select k.key_version from subject_keys k where k.subject_id = "${qb.alias}".id) as "${KEY_VERSION}"`),
    ] as never);
  }
  const rows = await qb.execute<Record<string, unknown>[]>('all', true);
  for (const row of rows) {
    for (const name of references) row[name] = row[name] == null ? null : { id: row[name] };
    if (subjectKeys) {
      const keyVersion = row[KEY_VERSION] as number | null;
      // No key row at all: the loader answers that (null) when a field asks; a present row, destroyed or not, is primed.
      if (keyVersion != null) subjectKeys.primeWrapped({ subjectId: row.id as string, wrappedKey: row[WRAPPED_KEY] as Buffer | null, keyVersion });
      delete row[WRAPPED_KEY];
      delete row[KEY_VERSION];
    }
  }
  return rows as T[];
}

const WRAPPED_KEY = '__subjectWrappedKey';
const KEY_VERSION = '__subjectKeyVersion';
