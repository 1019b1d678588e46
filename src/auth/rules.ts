import { allow, rule } from 'graphql-shield';
import type { Context } from '../context';
import { forbidden, unauthenticated } from '../errors';
import { ApiScope, isStaffRole, Role } from './roles';

// The operation rules of the shield tree: who may call a root field, by role
// or scope alone, cached per request ('contextual'). Which rows a caller then
// reads is the resource policies' business (src/auth/policy.ts).

export { allow };

const identified = (ctx: Context) => (ctx.viewer.kind === 'anonymous' ? unauthenticated() : null);

/** Any person signed in (not a partner key). */
export const isUser = rule('isUser', { cache: 'contextual' })((_p, _a, ctx: Context) =>
  identified(ctx) ?? (ctx.viewer.kind === 'user' ? true : forbidden('Partner API keys may not do this')));

/** A person or a partner API key. */
export const isIdentified = rule('isIdentified', { cache: 'contextual' })((_p, _a, ctx: Context) => identified(ctx) ?? true);

const hasRole = (name: string, accept: (role: Role) => boolean) =>
  rule(name, { cache: 'contextual' })((_p, _a, ctx: Context) =>
    identified(ctx) ?? (ctx.viewer.kind === 'user' && accept(ctx.viewer.role) ? true : forbidden()));

export const isStaff = hasRole('isStaff', isStaffRole);
export const isAdmin = hasRole('isAdmin', (r) => r === Role.ADMIN);
export const isPrivacyOfficer = hasRole('isPrivacyOfficer', (r) => r === Role.PRIVACY_OFFICER);
export const isEnterprise = hasRole('isEnterprise', (r) => r === Role.ENTERPRISE);

/** A partner key with the scope, or an enterprise user (who acts for its own organization). One rule per scope: shield refuses two rules of one name. */
const scopeRules = new Map<ApiScope, ReturnType<ReturnType<typeof rule>>>();
export function hasScopeOrEnterprise(scope: ApiScope) {
  let scoped = scopeRules.get(scope);
  if (!scoped) {
    scoped = rule(`hasScope_${scope}_orEnterprise`, { cache: 'contextual' })((_p, _a, ctx: Context) => {
      const denied = identified(ctx);
      if (denied) return denied;
      if (ctx.viewer.kind === 'apiKey') return ctx.viewer.scopes.includes(scope) ? true : forbidden(`This API key lacks the ${scope} scope`);
      return ctx.viewer.kind === 'user' && ctx.viewer.role === Role.ENTERPRISE ? true : forbidden();
    });
    scopeRules.set(scope, scoped);
  }
  return scoped;
}
