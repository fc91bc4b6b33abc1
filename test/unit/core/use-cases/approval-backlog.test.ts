import type { Change } from '../../../../lambdas/core/change';
import { approvalBacklog } from '../../../../lambdas/core/use-cases/approval-backlog';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aChange } from '../../../fixtures/records';

const NOW = '2026-03-02T10:00:00.000Z';

/** Services over the `changes`, the clock at NOW. */
function arrange(changes: Change[]) {
  const fakes = fakeServices({ fakes: { store: new MemoryChangeStore().seed({ changes }) } });
  fakes.clock.set(NOW);
  return fakes;
}

const CHANGE = aChange();

/** Change `id` awaiting approval, proposed `minutesAgo` minutes before NOW. */
const waiting = (id: string, minutesAgo: number, over: Partial<Change> = {}): Change => ({
  ...CHANGE,
  changeId: id,
  createdAt: new Date(Date.parse(NOW) - minutesAgo * 60_000).toISOString(),
  ...over,
});

describe('approvalBacklog()', () => {
  it('is 0 s when no change awaits approval', async () => {
    const { svc } = arrange([waiting('chg-1', 90, { status: 'deployed' })]);

    expect(await approvalBacklog(svc)).toEqual({ name: 'ApprovalBacklogAgeSeconds', unit: 'Seconds', value: 0 });
  });

  it('is the age of the oldest change awaiting approval, ignoring changes in other statuses', async () => {
    // Arrange
    const { svc } = arrange([waiting('chg-1', 10), waiting('chg-2', 30), waiting('chg-3', 600, { status: 'rejected' })]);

    // Act
    const metric = await approvalBacklog(svc);

    // Assert
    expect(metric).toEqual({ name: 'ApprovalBacklogAgeSeconds', unit: 'Seconds', value: 1800 });
  });

  it('counts from when approval was requested, not when the change was proposed', async () => {
    const { svc } = arrange([waiting('chg-1', 120, { approvalRequestedAt: new Date(Date.parse(NOW) - 5 * 60_000).toISOString() })]);

    expect((await approvalBacklog(svc)).value).toBe(300);
  });

  it('reads every page of the waiting changes: the oldest is on the last one', async () => {
    // Arrange: 250 waiting changes, listed newest first 100 a page; the oldest (250 min) comes last.
    const { svc } = arrange(Array.from({ length: 250 }, (_, i) => waiting(`chg-${i + 1}`, i + 1)));

    // Act
    const metric = await approvalBacklog(svc);

    // Assert
    expect(metric.value).toBe(250 * 60);
  });
});
