import { isStaffRole } from '../auth/roles';
import type { Context } from '../context';
import { open, seal } from './cipher';
import { mask } from './masking';
import { personalProperty } from './registry';

const aad = (entity: string, property: string, subjectId: string) => `${entity}.${property}:${subjectId}`;

function encryptedProperty(entity: string, property: string) {
  const entry = personalProperty(entity, property);
  if (!entry.encrypted) throw new Error(`${entity}.${property} is not registered as encrypted`);
  return entry;
}

/** Encrypts a registered property's value under the subject's data key. */
export function sealPersonal(key: Buffer, entity: string, property: string, subjectId: string, value: string | null | undefined): Buffer | null {
  encryptedProperty(entity, property);
  if (value === null || value === undefined) return null;
  return seal(key, Buffer.from(value, 'utf8'), aad(entity, property, subjectId));
}

/** Null when the value is absent or the subject's key was destroyed. */
export function openPersonal(key: Buffer | null, entity: string, property: string, subjectId: string, sealed: Buffer | null): string | null {
  if (!sealed || !key) return null;
  return open(key, sealed, aad(entity, property, subjectId)).toString('utf8');
}

export async function decryptPersonal(ctx: Pick<Context, 'keys'>, entity: string, property: string, subjectId: string, sealed: Buffer | null): Promise<string | null> {
  if (!sealed) return null;
  return openPersonal(await ctx.keys.get(subjectId), entity, property, subjectId, sealed);
}

/**
 * A personal value as this viewer may see it: the subject and colleagues
 * (whom field rules already limited) in full; staff masked per the registry,
 * and the read is recorded for the access log. Field rules run first, so
 * nobody else reaches this. Answered at once when the request holds the
 * subject's key already (a users page reads its subjects' keys in its own statement): a page of 100
 * users has hundreds of these fields, and a promise each was most of their cost.
 */
export function presentPersonal(
  ctx: Pick<Context, 'keys' | 'viewer' | 'accessReads'>,
  entity: string,
  property: string,
  subjectId: string,
  sealed: Buffer | null,
): string | null | Promise<string | null> {
  const entry = encryptedProperty(entity, property);
  if (!sealed) return presented(ctx, entry, property, subjectId, null);
  const key = ctx.keys.peek(subjectId);
  if (key !== undefined) return presented(ctx, entry, property, subjectId, openPersonal(key, entity, property, subjectId, sealed));
  return ctx.keys.get(subjectId).then((loaded) => presented(ctx, entry, property, subjectId, openPersonal(loaded, entity, property, subjectId, sealed)));
}

function presented(
  ctx: Pick<Context, 'viewer' | 'accessReads'>,
  entry: ReturnType<typeof encryptedProperty>,
  property: string,
  subjectId: string,
  value: string | null,
): string | null {
  const viewer = ctx.viewer;
  if (viewer.kind !== 'user' || viewer.userId === subjectId || !isStaffRole(viewer.role)) return value;
  if (!entry.mask) return null;
  ctx.accessReads.record(subjectId, entry.field ?? property);
  return value === null ? null : mask(entry.mask, value);
}
