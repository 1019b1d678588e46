import type { FilterQuery } from '@mikro-orm/core';
import { definePolicy } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { isEnterpriseOf, isKeyOf, isStaffViewer } from '../../auth/scopes';
import type { Viewer } from '../../context';
import type { Dataset } from './dataset.entity';

type DatasetRow = Pick<Dataset, 'organization' | 'createdByApiKeyId'>;

/** A partner key with DATASETS_WRITE sees and completes the datasets it created, no others. */
const isCreatingKey = (viewer: Viewer, dataset: DatasetRow) =>
  isKeyOf(viewer, dataset.organization.id, ApiScope.DATASETS_WRITE) && viewer.kind === 'apiKey' && dataset.createdByApiKeyId === viewer.apiKeyId;

/**
 * A dataset is its organization's training text: for the organization's
 * enterprise users, the partner key that created it, and staff. Nobody else
 * sees any of it: not its name, its PII counts or its preview.
 */
export const datasetPolicy = definePolicy<DatasetRow>({
  type: 'Dataset',
  project: ({ viewer }, dataset) =>
    (isStaffViewer(viewer) || isEnterpriseOf(viewer, dataset.organization.id) || isCreatingKey(viewer, dataset) ? 'full' : null),
});

/** The same decision as a query filter: what the viewer may list; null is nothing. */
export function datasetScope(viewer: Viewer): FilterQuery<Dataset> | null {
  if (isStaffViewer(viewer)) return {};
  if (viewer.kind === 'user' && viewer.organizationId && isEnterpriseOf(viewer, viewer.organizationId)) return { organization: viewer.organizationId };
  if (viewer.kind === 'apiKey' && viewer.scopes.includes(ApiScope.DATASETS_WRITE)) return { organization: viewer.organizationId, createdByApiKeyId: viewer.apiKeyId };
  return null;
}

/** Who may change a dataset: complete its upload (its enterprise users, its creating key) or delete it (enterprise users only). */
export const canCompleteDataset = (viewer: Viewer, dataset: DatasetRow) => isEnterpriseOf(viewer, dataset.organization.id) || isCreatingKey(viewer, dataset);
export const canDeleteDataset = (viewer: Viewer, dataset: DatasetRow) => isEnterpriseOf(viewer, dataset.organization.id);
