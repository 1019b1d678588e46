import { definePolicy } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { actsForOrganization, isEnterpriseOf, isStaffViewer } from '../../auth/scopes';
import type { Organization } from './organization.entity';

/**
 * An organization is whole for its own people and keys and for staff; anyone
 * else sees its public face (the brand behind a product or a coach). Its lists
 * are narrower: members for its people, API keys for its enterprise users,
 * models and datasets for the enterprise users and keys with the scope.
 */
export const organizationPolicy = definePolicy<Pick<Organization, 'id'>>({
  type: 'Organization',
  project: ({ viewer }, org) => (isStaffViewer(viewer) || (viewer.kind !== 'anonymous' && viewer.organizationId === org.id) ? 'full' : 'public'),
  publicFields: ['id', 'name'],
  fieldChecks: {
    members: ({ viewer }, org) => isStaffViewer(viewer) || (viewer.kind === 'user' && viewer.organizationId === org.id),
    apiKeys: ({ viewer }, org) => isStaffViewer(viewer) || isEnterpriseOf(viewer, org.id),
    models: ({ viewer }, org) => isStaffViewer(viewer) || actsForOrganization(viewer, org.id, ApiScope.MODELS_READ),
    datasets: ({ viewer }, org) => isStaffViewer(viewer) || actsForOrganization(viewer, org.id, ApiScope.DATASETS_WRITE),
  },
});
