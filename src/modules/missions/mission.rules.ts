import { or } from 'graphql-shield';
import { allow, isAdmin, isEnterprise, isUser } from '../../auth/rules';

// Health data is the member's alone: MissionService scopes every mission to its owner.
export const missionRules = {
  Query: { missionTemplates: allow, mission: isUser },
  Mutation: {
    updateHealthProfile: isUser,
    createMissionTemplate: or(isEnterprise, isAdmin),
    startMission: isUser,
    checkInMission: isUser,
    abandonMission: isUser,
  },
  MissionTemplate: allow,
  MissionTemplateConnection: allow,
  MissionTemplateEdge: allow,
  Mission: allow,
  MissionCheckIn: allow,
  HealthProfile: allow,
};
