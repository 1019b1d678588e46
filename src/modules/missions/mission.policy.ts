import { definePolicy, subjectPolicy } from '../../auth/policy';
import type { Mission } from './mission.entity';

// Health data is its member's alone (SPEC 1): missions, check-ins and the health profile.
export const missionPolicy = subjectPolicy<Pick<Mission, 'user'>>('Mission', (m) => m.user.id);
export const missionCheckInPolicy = subjectPolicy<{ userId: string }>('MissionCheckIn', (c) => c.userId);
export const healthProfilePolicy = subjectPolicy<{ userId: string }>('HealthProfile', (p) => p.userId);

/** Templates are a public catalogue: anyone may browse them (their coach shows only its public face). */
export const missionTemplatePolicy = definePolicy<object>({ type: 'MissionTemplate', project: () => 'full' });
