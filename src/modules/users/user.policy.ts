import { definePolicy, type PolicyContext } from '../../auth/policy';
import { Role } from '../../auth/roles';
import { hasRoleViewer, isStaffViewer, viewerIsUser } from '../../auth/scopes';
import type { Viewer } from '../../context';
import { exposedPersonalFields } from '../../privacy/registry';
import type { User } from './user.entity';

type UserRow = Pick<User, 'id' | 'organization'>;
type Check = (ctx: PolicyContext, user: UserRow) => boolean;

const self: Check = ({ viewer }, user) => viewerIsUser(viewer, user.id);
const staff: Check = ({ viewer }) => isStaffViewer(viewer);
const colleague: Check = ({ viewer }, user) =>
  viewer.kind === 'user' && viewer.organizationId !== null && user.organization?.id === viewer.organizationId;
const any = (...checks: Check[]): Check => (ctx, user) => checks.some((check) => check(ctx, user));

/** Who may address a user at all (user(id), edges to users): itself, a colleague, or staff. */
export const canAddressUser = (viewer: Viewer, user: UserRow) => {
  const ctx = { viewer } as PolicyContext;
  return self(ctx, user) || staff(ctx, user) || colleague(ctx, user);
};

/**
 * A user is whole for itself; staff see account fields and masked personal
 * fields; colleagues see name, department and job title; anyone else (a
 * partner key included) sees the id alone. Personal fields take their rule
 * from the registry, and a field added later is the user's alone.
 */
export const userPolicy = definePolicy<UserRow>({
  type: 'User',
  project: ({ viewer }, user) => (canAddressUser(viewer, user) ? 'full' : 'public'),
  publicFields: ['id'],
  fieldChecks: {
    role: any(self, staff),
    status: any(self, staff),
    processingSuspended: any(self, staff),
    createdAt: any(self, staff),
    organization: any(self, staff),
    ...Object.fromEntries(Object.entries(exposedPersonalFields('User')).map(([field, entry]) => {
      const checks = [self, ...(entry.mask ? [staff] : []), ...(entry.colleagues ? [colleague] : [])];
      return [field, any(...checks)];
    })),
    consents: any(self, staff),
    consentHistory: any(self, ({ viewer }) => hasRoleViewer(viewer, Role.PRIVACY_OFFICER)),
    conversations: self,
    healthProfile: self,
    missions: self,
    purchases: self,
    dataSubjectRequests: any(self, ({ viewer }) => hasRoleViewer(viewer, Role.PRIVACY_OFFICER)),
  },
  otherFields: self,
});
