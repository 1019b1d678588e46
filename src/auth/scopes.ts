import type { Viewer } from '../context';
import { type ApiScope, isStaffRole, Role } from './roles';

// The viewer facts that policies are made of.

export const isStaffViewer = (viewer: Viewer): boolean => viewer.kind === 'user' && isStaffRole(viewer.role);

export const hasRoleViewer = (viewer: Viewer, role: Role): boolean => viewer.kind === 'user' && viewer.role === role;

/** An ENTERPRISE user of the organization. */
export const isEnterpriseOf = (viewer: Viewer, organizationId: string): boolean =>
  viewer.kind === 'user' && viewer.role === Role.ENTERPRISE && viewer.organizationId === organizationId;

/** A partner key of the organization holding the scope. */
export const isKeyOf = (viewer: Viewer, organizationId: string, scope: ApiScope): boolean =>
  viewer.kind === 'apiKey' && viewer.organizationId === organizationId && viewer.scopes.includes(scope);

/**
 * Whether the viewer may act for an organization: its own enterprise users,
 * or its partner key holding the scope.
 */
export const actsForOrganization = (viewer: Viewer, organizationId: string, scope: ApiScope): boolean =>
  isEnterpriseOf(viewer, organizationId) || isKeyOf(viewer, organizationId, scope);

export const viewerIsUser = (viewer: Viewer, userId: string): boolean => viewer.kind === 'user' && viewer.userId === userId;
