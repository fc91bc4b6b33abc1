import { BUILT_IN_ROLES, type ChangePolicy } from './change-policy';

// Kept apart from change-policy.ts: only the loaders use these, and propose-change's bundle is near its limit.

/** Every role a deployment under `policy` has: the built-in ones, then those the policy declares. */
export function policyRoles(policy: Pick<ChangePolicy, 'roles'>): string[] {
  return [...BUILT_IN_ROLES, ...(policy.roles ?? []).map((r) => r.name)];
}

/**
 * The roles users hold that the policy does not know (built-in or declared).
 * @returns `[{user, role}]`, empty when every role is known
 */
export function unknownUserRoles(
  users: readonly { id: string; roles: readonly string[] }[],
  policy: Pick<ChangePolicy, 'roles'>,
): { user: string; role: string }[] {
  const known = new Set(policyRoles(policy));
  return users.flatMap((u) => u.roles.filter((role) => !known.has(role)).map((role) => ({ user: u.id, role })));
}
