import { isStaffRole } from '../../auth/roles';
import { isUuid } from '../../common/ids';
import type { Context } from '../../context';
import { notFound } from '../../errors';
import { Organization } from './organization.entity';

export class OrganizationService {
  /** The viewer's own organization (person or partner key), or any for staff; else NOT_FOUND. */
  async findVisible(ctx: Context, id: string): Promise<Organization> {
    const viewer = ctx.viewer;
    if (viewer.kind === 'anonymous' || !isUuid(id)) throw notFound('Organization');
    const allowed = viewer.organizationId === id || (viewer.kind === 'user' && isStaffRole(viewer.role));
    const organization = allowed ? await ctx.loaders.organizationById.load(id) : null;
    if (!organization) throw notFound('Organization');
    return organization;
  }
}
