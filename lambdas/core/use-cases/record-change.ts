import { actorFields, type LedgerActor } from '../actor';
import type { Change } from '../change';
import { NotFoundError } from '../errors';
import { type StoreWrite, WriteConflictError } from '../ports';
import { type ChangeEvent, transition } from '../transitions';
import type { Services } from './services';

/** Attempts when a concurrent writer moved the change between read and write. */
const ATTEMPTS = 5;

/**
 * Loads a change.
 * @throws NotFoundError (404) when it does not exist
 */
export async function loadChange(svc: Services, changeId: string): Promise<Change> {
  const change = await svc.store.getChange(changeId);
  if (!change) throw new NotFoundError(`change ${changeId} does not exist`);
  return change;
}

/** What a step wants to record: the event, the change's new fields, ledger details, other writes. */
export interface ChangeUpdate {
  readonly event: ChangeEvent;
  readonly patch?: Partial<Change>;
  readonly details?: Record<string, unknown>;
  /** More ledger details computed from the change as it will be stored (e.g. the SHA-256 of a report built from it). */
  readonly detailsOf?: (next: Change) => Record<string, unknown>;
  readonly writes?: readonly StoreWrite[];
}

/**
 * Records an event of a change: one transaction with the change (conditioned on its revision),
 * any other writes, and the ledger entry, whose actor is a person (with their roles and request origin) or a system actor's name. `decide` sees the freshly read change and returns the
 * update, or `undefined` when there is nothing to do (e.g. a retried step that already recorded it).
 * A concurrent writer makes it re-read and decide again.
 * @returns the change as stored afterwards
 * @throws ConflictError from `transition` when the event is not allowed from the change's status
 */
export async function recordChange(
  svc: Services,
  changeId: string,
  actor: LedgerActor,
  decide: (change: Change) => ChangeUpdate | undefined | Promise<ChangeUpdate | undefined>,
): Promise<Change> {
  for (let attempt = 1; ; attempt++) {
    const change = await loadChange(svc, changeId);
    const update = await decide(change);
    if (!update) return change;
    const next: Change = {
      ...change,
      ...update.patch,
      status: transition(change.status, update.event),
      revision: change.revision + 1,
      updatedAt: svc.now().toISOString(),
    };
    try {
      await svc.store.commit([{ kind: 'change', record: next, expectedRevision: change.revision }, ...(update.writes ?? [])], {
        type: update.event,
        changeId,
        target: change.target,
        ...actorFields(actor),
        details: { ...update.details, ...update.detailsOf?.(next) },
      });
      return next;
    } catch (err) {
      if (!(err instanceof WriteConflictError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
