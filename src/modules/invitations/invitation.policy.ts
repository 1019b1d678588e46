import { definePolicy } from '../../auth/policy';
import { isEnterpriseOf, isStaffViewer } from '../../auth/scopes';
import type { Invitation } from './invitation.entity';

/**
 * An organization's invitations are for its enterprise users (who send and
 * revoke them) and staff; only the enterprise users see the invitee's address
 * (staff would read a third party's email unmasked). Keys never see them.
 */
export const invitationPolicy = definePolicy<Pick<Invitation, 'organization'>>({
  type: 'Invitation',
  project: ({ viewer }, invitation) => (isStaffViewer(viewer) || isEnterpriseOf(viewer, invitation.organization.id) ? 'full' : null),
  fieldChecks: {
    email: ({ viewer }, invitation) => isEnterpriseOf(viewer, invitation.organization.id),
  },
});
