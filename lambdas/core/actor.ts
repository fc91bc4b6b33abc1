import type { ActorContext, LedgerEntryDraft } from './ledger';

/** Where a request came from, as API Gateway reports it (`requestContext.identity`); either may be absent. */
export interface RequestOrigin {
  /** The client's IP address. */
  readonly sourceIp?: string;
  /** The client's User-Agent header. */
  readonly userAgent?: string;
}

/** A person acting through the API: their id and roles, and where their request came from. */
export interface ActingUser extends RequestOrigin {
  readonly id: string;
  readonly roles: readonly string[];
}

/**
 * Who an entry records as its cause: a person ({@link ActingUser}), or a system actor by name (the
 * workflow, `alarm:<name>`).
 */
export type LedgerActor = string | ActingUser;

/** User agents are cut to this many characters: a client chooses the header, and must not bloat the ledger with it. */
export const MAX_USER_AGENT_LENGTH = 512;

/**
 * The `actor` and `actorContext` of a ledger entry: a person's id, with their roles and — where the
 * request had them — its source IP and user agent (cut to {@link MAX_USER_AGENT_LENGTH}); a system
 * actor's name alone (it has no roles and no request).
 */
export function actorFields(actor: LedgerActor): Pick<LedgerEntryDraft, 'actor' | 'actorContext'> {
  if (typeof actor === 'string') return { actor };
  const context: ActorContext = {
    roles: [...actor.roles],
    ...(actor.sourceIp ? { sourceIp: actor.sourceIp } : {}),
    ...(actor.userAgent ? { userAgent: actor.userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
  };
  return { actor: actor.id, actorContext: context };
}
