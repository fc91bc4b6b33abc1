import type { Role } from './policy/change-policy';

export type { Role } from './policy/change-policy';

/** A user of CMV and the roles they hold. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly roles: readonly Role[];
}
