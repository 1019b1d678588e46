import { dataSubjectRequestRules } from '../modules/data-subject-requests/dsr.rules';
import { datasetRules } from '../modules/datasets/dataset.rules';
import { modelRules } from '../modules/models/model.rules';

/** A subscription is allowed to whoever may ask the query it follows: the very same rules. */
export const subscriptionRules = {
  Subscription: {
    datasetUpdated: datasetRules.Query.dataset,
    trainingJobUpdated: modelRules.Query.trainingJob,
    dataSubjectRequestUpdated: dataSubjectRequestRules.Query.dataSubjectRequest,
  },
};
