import type { Change, ChangeStatus } from '../change';
import type { ChangeStore } from '../ports';

/** Changes read per page of the store's listing. */
const PAGE = 100;

/** Every change in `status`, page by page from the store's listing by status (the sweep's scans). */
export async function* changesIn(store: ChangeStore, status: ChangeStatus): AsyncGenerator<Change> {
  let nextToken: string | undefined;
  do {
    const page = await store.listChanges({ status, limit: PAGE, nextToken });
    yield* page.items;
    nextToken = page.nextToken;
  } while (nextToken);
}
