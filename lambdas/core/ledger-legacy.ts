import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The ledger as CMV kept it before per-target chains: ONE global hash chain (`chain = "main"`), each
 * entry's `hash` the SHA-256 (hex) of the RFC 8785 serialization of every other field, `prevHash`
 * included. Such entries are copied once into the chain {@link LEGACY_CHAIN} (see
 * docs/design.md, "Migrating the global chain"), keeping their hashes; this module is how they verify.
 */

/** The chain the entries of the old global chain live in after the migration. */
export const LEGACY_CHAIN = 'legacy';

/** The fields of a legacy entry its hash covers. */
export interface LegacyEntryContent {
  readonly seq: number;
  readonly time: string;
  readonly type: string;
  readonly changeId?: string;
  readonly target?: string;
  readonly actor: string;
  readonly details: Record<string, unknown>;
  readonly prevHash: string;
}

/** The hash of a legacy entry: SHA-256 (hex) of the RFC 8785 form of its content, `prevHash` included. */
export function legacyHash(entry: LegacyEntryContent): string {
  const { seq, time, type, changeId, target, actor, details, prevHash } = entry;
  const body = canonicalize({ seq, time, type, changeId, target, actor, details, prevHash });
  if (body === undefined) throw new Error('ledger entry cannot be serialized');
  return createHash('sha256').update(body, 'utf8').digest('hex');
}
