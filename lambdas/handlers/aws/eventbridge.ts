import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '../../adapters/event-bridge';
import type { EventBus } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `events` port: CMV's events on the bus `names.eventBusName`. */
export const eventBridgeBus: Port<EventBus> = {
  sdkClient: () => traced(new EventBridgeClient({})),
  adapter: (events, names) => new EventBridgeBus(events, names.eventBusName),
};
