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

registerEnumType(Role, { name: 'Role', description: 'What an account may do (SPEC section 1).' });
registerEnumType(ApiScope, { name: 'ApiScope', description: 'What a partner API key may do for its organization.' });
