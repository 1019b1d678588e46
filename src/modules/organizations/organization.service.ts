import { readableOr404 } from '../../auth/policy';
import { isUuid } from '../../common/ids';
import type { Context } from '../../context';
import type { Organization } from './organization.entity';
import { organizationPolicy } from './organization.policy';

export class OrganizationService {
  /** An organization the viewer may read whole (its own, or any for staff); NOT_FOUND otherwise. */
  async find(ctx: Context, id: string): Promise<Organization> {
    return readableOr404(ctx, organizationPolicy, isUuid(id) ? await ctx.loaders.organizationById.load(id) : null, 'Organization');
  }
}
