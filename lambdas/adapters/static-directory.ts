import * as z from 'zod';
import { Role } from '../core/policy/change-policy';
import type { Directory } from '../core/ports';
import type { User } from '../core/user';

/** The users file: who may do what. Roles: the built-in ones (requester, approver, cab, executive, release_admin, auditor) and those the policy declares; checked against the policy where both are loaded (readDeploymentConfig, DeploymentConfig). */
export const UsersFile = z.strictObject({
  users: z.array(
    z.strictObject({
      id: z.string().min(1),
      name: z.string().min(1),
      email: z.email(),
      roles: z.array(Role).min(1),
    }),
  ),
});

/** A directory of users held in memory, indexed by id (thousands of users: one lookup, not a scan). */
export class StaticDirectory implements Directory {
  private readonly byId: ReadonlyMap<string, User>;
  /** @throws ZodError when `file` is not a users file */
  constructor(file: unknown) {
    this.byId = new Map(UsersFile.parse(file).users.map((u) => [u.id, u]));
  }
  async find(id: string): Promise<User | undefined> {
    return this.byId.get(id);
  }
  async all(): Promise<User[]> {
    return [...this.byId.values()];
  }
}
