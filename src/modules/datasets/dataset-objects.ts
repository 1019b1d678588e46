import { randomBytes } from 'node:crypto';
import type { Dataset } from './dataset.entity';

type Named = Pick<Dataset, 'id' | 'organization'>;

/** Every object of a dataset lives under this prefix (the sweep reads the id back from it). */
export const datasetPrefix = (d: Named) => `datasets/${d.organization.id}/${d.id}/`;

/**
 * A fresh, unguessable name for one of a dataset's objects: the upload (its
 * own per dataset, the only one a client may write), the server-side original
 * and the redacted copy. A name is never reused, so a late write through an
 * old upload link lands on a name that nothing reads.
 */
export const datasetObjectKey = (d: Named, role: 'upload' | 'original' | 'redacted') => `${datasetPrefix(d)}${role}-${randomBytes(12).toString('hex')}`;

/** The dataset id of an object name under datasets/, or null when the name is not one of ours. */
export function datasetIdOf(objectKey: string): string | null {
  const match = /^datasets\/[0-9a-f-]{36}\/([0-9a-f-]{36})\//.exec(objectKey);
  return match ? match[1] : null;
}
