import { or } from 'graphql-shield';
import { ApiScope } from '../../auth/roles';
import { allow, hasScopeOrEnterprise, isEnterprise, isStaff } from '../../auth/rules';

// Rows are scoped in DatasetService (own organization, or staff reading).
const writers = hasScopeOrEnterprise(ApiScope.DATASETS_WRITE);

export const datasetRules = {
  Query: { dataset: or(writers, isStaff) },
  Mutation: { createDataset: writers, completeDatasetUpload: writers, deleteDataset: isEnterprise },
  Dataset: allow,
  DatasetUpload: allow,
  DatasetIssue: allow,
  DatasetRecord: allow,
  PiiFinding: allow,
  DatasetConnection: allow,
  DatasetEdge: allow,
};
