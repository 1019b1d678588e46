import { registerEnumType } from 'type-graphql';

export enum Role {
  MEMBER = 'MEMBER',
  ENTERPRISE = 'ENTERPRISE',
  ADMIN = 'ADMIN',
  PRIVACY_OFFICER = 'PRIVACY_OFFICER',
}

export enum ApiScope {
  MODELS_READ = 'MODELS_READ',
  CONTENT_GENERATE = 'CONTENT_GENERATE',
  DATASETS_WRITE = 'DATASETS_WRITE',
  CATALOG_WRITE = 'CATALOG_WRITE',
}

export const STAFF_ROLES: readonly Role[] = [Role.ADMIN, Role.PRIVACY_OFFICER];
export const isStaffRole = (role: Role | null | undefined): boolean => !!role && STAFF_ROLES.includes(role);

registerEnumType(Role, {
  name: 'Role',
  description: 'What an account may do.',
  valuesConfig: {
    MEMBER: { description: 'A person using the service for themselves.' },
    ENTERPRISE: { description: 'A person working for an organization: manages its datasets, models, content, products and API keys.' },
    ADMIN: { description: 'Platform staff: reads accounts masked, manages roles, organizations and jobs.' },
    PRIVACY_OFFICER: { description: 'Platform staff for privacy work: data-subject requests, the access log, purges, legal holds, privacy policies.' },
  },
});
registerEnumType(ApiScope, {
  name: 'ApiScope',
  description: 'What a partner API key may do for its organization.',
  valuesConfig: {
    MODELS_READ: { description: 'Read the organization\'s models, their versions and training jobs.' },
    CONTENT_GENERATE: { description: 'Generate content with the organization\'s models.' },
    DATASETS_WRITE: { description: 'Create datasets and complete their uploads.' },
    CATALOG_WRITE: { description: 'Create products and publish content.' },
  },
});
