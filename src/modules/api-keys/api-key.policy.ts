import { definePolicy } from '../../auth/policy';
import { isEnterpriseOf, isStaffViewer } from '../../auth/scopes';
import type { ApiKey } from './api-key.entity';

/** An organization's keys are for its enterprise users (who manage them) and staff; a key never sees keys. */
export const apiKeyPolicy = definePolicy<Pick<ApiKey, 'organization'>>({
  type: 'ApiKey',
  project: ({ viewer }, key) => (isStaffViewer(viewer) || isEnterpriseOf(viewer, key.organization.id) ? 'full' : null),
});

export const canManageApiKeys = isEnterpriseOf;
