import { or } from 'graphql-shield';
import { ApiScope } from '../../auth/roles';
import { allow, hasScopeOrEnterprise, isEnterprise, isStaff } from '../../auth/rules';

// Rows are scoped in ModelService (own organization; staff read).
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
  InfluencerModel: allow,
  InfluencerModelConnection: allow,
  InfluencerModelEdge: allow,
  Persona: allow,
  ModelVersion: allow,
  ModelMetrics: allow,
  TrainingJob: allow,
  TrainingEvent: allow,
  GeneratedContent: allow,
};
