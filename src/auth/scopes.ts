import type { Viewer } from '../context';
import { type ApiScope, Role } from './roles';

/**
 * Whether the viewer may write for an organization: its own enterprise users,
 * or its partner key holding the scope. Services use it to scope rows.
 */
export function actsForOrganization(viewer: Viewer, organizationId: string, scope: ApiScope): boolean {
  if (viewer.kind === 'anonymous' || viewer.organizationId !== organizationId) return false;
  return viewer.kind === 'user' ? viewer.role === Role.ENTERPRISE : viewer.scopes.includes(scope);
}
