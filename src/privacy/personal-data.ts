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
 * nobody else reaches this.
 */
export async function presentPersonal(
  ctx: Pick<Context, 'keys' | 'viewer' | 'accessReads'>,
  entity: string,
  property: string,
  subjectId: string,
  sealed: Buffer | null,
): Promise<string | null> {
  const entry = encryptedProperty(entity, property);
  const value = await decryptPersonal(ctx, entity, property, subjectId, sealed);
  const viewer = ctx.viewer;
  if (viewer.kind !== 'user' || viewer.userId === subjectId || !isStaffRole(viewer.role)) return value;
  if (!entry.mask) return null;
  ctx.accessReads.record(subjectId, entry.field ?? property);
  return value === null ? null : mask(entry.mask, value);
}
