import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DeploymentConfig } from '../lambdas/adapters/deployment-config';
import { parsePolicy } from '../lambdas/adapters/policy-file';
import { UsersFile } from '../lambdas/adapters/static-directory';
import { DEFAULT_POLICY } from '../lambdas/core/policy/default-policy';
import { unknownUserRoles } from '../lambdas/core/policy/roles';

/** Where a deployment's users and policy come from (paths relative to the working directory). */
export interface DeploymentConfigFiles {
  /** The users file (`{"users": [{id, name, email, roles}]}`). @default - no users */
  readonly usersFile?: string;
  /** The change-control policy (YAML, or JSON when it ends in `.json`). @default - CMV's built-in default policy */
  readonly policyFile?: string;
}

/**
 * Reads and validates a deployment's users file and policy file with the schemas the handlers use,
 * so that a bad file fails `cdk synth` (or the local runtime's start), never a deployed handler.
 * Every role a user holds must be built in or declared by the policy (`roles`).
 * @throws Error naming the file and what is wrong with it
 */
export function readDeploymentConfig(files: DeploymentConfigFiles): DeploymentConfig {
  const policy = files.policyFile ? parsePolicy(readFileSync(path.resolve(files.policyFile), 'utf8'), files.policyFile) : DEFAULT_POLICY;
  const users = readUsers(files.usersFile);
  const unknown = unknownUserRoles(users, policy);
  if (unknown.length)
    throw new Error(
      `${files.usersFile} is not a users file for this policy: ${unknown.map((u) => `user ${u.user} has the unknown role ${u.role}`).join('; ')} (roles: the built-in ones, or those the policy declares in roles)`,
    );
  return { users, policy };
}

function readUsers(file: string | undefined): DeploymentConfig['users'] {
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not a users file: ${(err as Error).message}`);
  }
  const parsed = UsersFile.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is not a users file: ${parsed.error.message}`);
  return parsed.data.users;
}
