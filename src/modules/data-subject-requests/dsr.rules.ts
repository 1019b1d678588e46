import { carrier, partOfResource } from '../../auth/policy';
import { isPrivacyOfficer, isUser } from '../../auth/rules';
import { dataSubjectRequestPolicy, separatedRecordPolicy, withdrawalReceiptPolicy } from './dsr.policy';

export const dataSubjectRequestRules = {
  Query: { dataSubjectRequest: isUser, dataSubjectRequests: isPrivacyOfficer, separatedRecords: isPrivacyOfficer },
  Mutation: {
    submitDataSubjectRequest: isUser,
    withdraw: isUser,
    startDataSubjectRequest: isPrivacyOfficer,
    completeDataSubjectRequest: isPrivacyOfficer,
    rejectDataSubjectRequest: isPrivacyOfficer,
    postponeDataSubjectRequest: isPrivacyOfficer,
    liftProcessingSuspension: isPrivacyOfficer,
  },
  ...dataSubjectRequestPolicy.rules,
  ...separatedRecordPolicy.rules,
  DataSubjectRequestConnection: carrier,
  DataSubjectRequestEdge: carrier,
  SeparatedRecordConnection: carrier,
  SeparatedRecordEdge: carrier,
  ...withdrawalReceiptPolicy.rules,
  DataSubjectRequestEvent: partOfResource,
  ErasureReport: partOfResource,
  ErasedCount: partOfResource,
  RetainedRecord: partOfResource,
  ProcessingActivity: partOfResource,
};
