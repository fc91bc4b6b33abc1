import * as z from 'zod';
import { Role } from '../core/policy/change-policy';
import type { Directory, User } from '../core/ports';

/** The users file: who may do what. Roles: requester, approver, cab, executive, release_admin, auditor. */
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

/** A directory from a users file (local runtime) or from the CMV_USERS_JSON setting (AWS). */
export class StaticDirectory implements Directory {
  private readonly users: readonly User[];
  constructor(file: unknown) {
    this.users = UsersFile.parse(file).users;
  }
  find(id: string): User | undefined {
    return this.users.find((u) => u.id === id);
  }
  all(): User[] {
    return [...this.users];
  }
}
