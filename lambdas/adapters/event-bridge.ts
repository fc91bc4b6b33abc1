import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import chunk from 'lodash/chunk';
import { EVENT_SOURCE } from '../core/events';
import type { BusEvent, EventBus } from '../core/ports';
import type { AwsClient } from './aws-client';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

/**
 * CMV's events on an EventBridge bus: PutEvents with `Source: cmv`, 10 entries per call, in order.
 * @throws Error naming each failed entry's error code when EventBridge refuses any entry
 *   (`FailedEntryCount` > 0), so that the caller — the ledger stream — retries the batch
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly events: AwsClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (const batch of chunk(events, MAX_ENTRIES)) {
      const entries: PutEventsRequestEntry[] = batch.map((e) => ({
        EventBusName: this.eventBusName,
        Source: EVENT_SOURCE,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
        Time: new Date(e.time),
        ...(e.resources?.length ? { Resources: [...e.resources] } : {}),
      }));
      const out = await this.events.send(new PutEventsCommand({ Entries: entries }));
      if (out.FailedEntryCount) {
        const failed = (out.Entries ?? []).flatMap((r, i) => (r.ErrorCode ? [`${batch[i].detailType}: ${r.ErrorCode} ${r.ErrorMessage ?? ''}`.trim()] : []));
        throw new Error(`EventBridge refused ${out.FailedEntryCount} of ${entries.length} events: ${failed.join('; ')}`);
      }
    }
  }
}
