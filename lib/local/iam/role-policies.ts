import type { Statement } from './evaluate';

/** The identity a handler runs as: its role and the policy statements attached to it. */
export interface HandlerRole {
  /** The handler module, relative to the repository root, e.g. `lambdas/handlers/api/get-change.ts`. */
  readonly entry: string;
  readonly roleName: string;
  readonly roleArn: string;
  /** The assumed-role session's ARN, as AWS names the caller in an AccessDenied message (`arn:aws:sts::<account>:assumed-role/<role>/<function>`). */
  readonly principalArn: string;
  /** Every statement of every identity policy attached to the role, intrinsic functions resolved to local names. */
  readonly statements: readonly Statement[];
}

/** The role of every CMV handler of a synthesized stack, by handler entry. */
export interface RolePolicies {
  /** The target.json files the stack was synthesized with (their grants are in the policies). */
  readonly targetFiles: readonly string[];
  readonly roles: Readonly<Record<string, HandlerRole>>;
  /** The KMS key ARN of each resource encrypted with a customer managed key (bucket, topic, secret ARN → key ARN): calls on them also need the key. */
  readonly keys: Readonly<Record<string, string>>;
}
