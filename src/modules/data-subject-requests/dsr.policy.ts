import { definePolicy, rolePolicy, subjectPolicy } from '../../auth/policy';
import { Role } from '../../auth/roles';
import { hasRoleViewer, viewerIsUser } from '../../auth/scopes';
import type { Viewer } from '../../context';
import type { DataSubjectRequest } from './dsr.entity';

const isOfficer = (viewer: Viewer) => hasRoleViewer(viewer, Role.PRIVACY_OFFICER);

/** A request, its export and its report are for its subject and the PRIVACY_OFFICER; nobody else, other staff included. */
export const dataSubjectRequestPolicy = definePolicy<Pick<DataSubjectRequest, 'subjectId'>>({
  type: 'DataSubjectRequest',
  project: ({ viewer }, request) => (viewerIsUser(viewer, request.subjectId) || isOfficer(viewer) ? 'full' : null),
});

/** The separate store is the PRIVACY_OFFICER's alone. */
export const separatedRecordPolicy = rolePolicy('SeparatedRecord', isOfficer);

/** A withdrawal receipt is for the person withdrawing (it is answered once, to the request that closed the account). */
export const withdrawalReceiptPolicy = subjectPolicy<{ userId: string }>('WithdrawalReceipt', (r) => r.userId);
