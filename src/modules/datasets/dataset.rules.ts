import { or } from 'graphql-shield';
import { carrier, partOfResource } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { hasScopeOrEnterprise, isEnterprise, isStaff } from '../../auth/rules';
import { datasetPolicy } from './dataset.policy';

const writers = hasScopeOrEnterprise(ApiScope.DATASETS_WRITE);

export const datasetRules = {
  Query: { dataset: or(writers, isStaff) },
  Mutation: { createDataset: writers, completeDatasetUpload: writers, deleteDataset: isEnterprise },
  ...datasetPolicy.rules,
  DatasetUpload: carrier,
  // A form field of the upload link in createDataset's payload: part of the payload, not of the dataset.
  UploadField: carrier,
  DatasetIssue: partOfResource,
  DatasetRecord: partOfResource,
  PiiFinding: partOfResource,
  DatasetConnection: carrier,
  DatasetEdge: carrier,
};
