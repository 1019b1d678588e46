import { or } from 'graphql-shield';
import { carrier, partOfResource } from '../../auth/policy';
import { ApiScope } from '../../auth/roles';
import { hasScopeOrEnterprise, isEnterprise, isStaff } from '../../auth/rules';
import { generatedContentPolicy, modelPolicy, modelVersionPolicy, trainingJobPolicy } from './model.policy';

const readers = or(hasScopeOrEnterprise(ApiScope.MODELS_READ), isStaff);

export const modelRules = {
  Query: { model: readers, trainingJob: readers },
  Mutation: {
    createModel: isEnterprise,
    updateModel: isEnterprise,
    trainModel: isEnterprise,
    cancelTrainingJob: isEnterprise,
    activateModelVersion: isEnterprise,
    archiveModel: isEnterprise,
    generateContent: hasScopeOrEnterprise(ApiScope.CONTENT_GENERATE),
  },
  ...modelPolicy.rules,
  ...modelVersionPolicy.rules,
  ...trainingJobPolicy.rules,
  ...generatedContentPolicy.rules,
  InfluencerModelConnection: carrier,
  InfluencerModelEdge: carrier,
  Persona: partOfResource,
  ModelMetrics: partOfResource,
  TrainingEvent: partOfResource,
};
