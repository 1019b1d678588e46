import type { EntityManager } from '@mikro-orm/postgresql';
import { ObjectKeyOwner } from '../../privacy/object-key.entity';
import type { ObjectKeys } from '../../privacy/object-keys';
import { isEncryptedObject } from '../../privacy/stream-cipher';
import { getDecrypted, putEncrypted } from '../../storage/encrypted';
import type { Storage } from '../../storage/storage';

// A model version's artifact holds redacted training text: it is encrypted
// under a key of its own (one per version, named by the training job that made
// it), streamed to S3 in sealed segments.

export const artifactKeyOf = (organizationId: string, modelId: string, trainingJobId: string) => `models/${organizationId}/${modelId}/${trainingJobId}.artifact`;

/** The model id and training job id of an object name under models/, or null when it is not one of ours. */
export function artifactOwnerOf(objectKey: string): { modelId: string; trainingJobId: string } | null {
  const match = /^models\/[0-9a-f-]{36}\/([0-9a-f-]{36})\/([0-9a-f-]{36})\.(?:artifact|json)$/.exec(objectKey);
  return match ? { modelId: match[1], trainingJobId: match[2] } : null;
}

/** Stores the artifact encrypted; returns the stored size. A retry reuses the job's key and rewrites the same object. */
export async function writeArtifact(em: EntityManager, storage: Storage, keys: ObjectKeys, objectKey: string, trainingJobId: string, body: Buffer): Promise<number> {
  const key = await keys.obtain(em, ObjectKeyOwner.MODEL_ARTIFACT, trainingJobId);
  await putEncrypted(storage, objectKey, key, body);
  return (await storage.size(objectKey)) ?? 0;
}

/**
 * The artifact's bytes, decrypted (artifacts written before encryption have no key and are read as they are).
 * With the stored size the version records, its ranges are read while its key is looked up.
 */
export async function readArtifact(em: EntityManager, storage: Storage, keys: ObjectKeys, version: { artifactKey: string; trainingJobId: string; artifactSizeBytes?: number | null }): Promise<Buffer> {
  const lookup = keys.find(em, ObjectKeyOwner.MODEL_ARTIFACT, version.trainingJobId);
  if (version.artifactSizeBytes) {
    const found = lookup.then((key) => key ?? Promise.reject(new NoKey()));
    try {
      return await getDecrypted(storage, version.artifactKey, found, version.artifactSizeBytes);
    } catch (error) {
      if (!(error instanceof NoKey)) throw error;
    }
  }
  const key = await lookup;
  if (key) return getDecrypted(storage, version.artifactKey, key);
  const stored = await storage.getBuffer(version.artifactKey);
  if (isEncryptedObject(stored)) throw new Error('The artifact is encrypted but its key is missing');
  return stored;
}

/** The artifact has no key of its own: written before encryption. */
class NoKey extends Error {}
