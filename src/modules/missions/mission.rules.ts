import { or } from 'graphql-shield';
import { carrier } from '../../auth/policy';
import { allow, isAdmin, isEnterprise, isUser } from '../../auth/rules';
import { healthProfilePolicy, missionCheckInPolicy, missionPolicy, missionTemplatePolicy } from './mission.policy';

export const missionRules = {
  Query: { missionTemplates: allow, mission: isUser },
  Mutation: {
    updateHealthProfile: isUser,
    createMissionTemplate: or(isEnterprise, isAdmin),
    startMission: isUser,
    checkInMission: isUser,
    abandonMission: isUser,
  },
  ...missionTemplatePolicy.rules,
  ...missionPolicy.rules,
  ...missionCheckInPolicy.rules,
  ...healthProfilePolicy.rules,
  MissionTemplateConnection: carrier,
  MissionTemplateEdge: carrier,
};
