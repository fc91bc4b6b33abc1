import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '../../adapters/event-bridge';
import type { EventBus } from '../../core/ports';

/** The `events` port in AWS: CMV's events on the bus EVENT_BUS_NAME (default: `default`). */
export const eventBridgeBus = (): EventBus => new EventBridgeBus(new EventBridgeClient({}), process.env.EVENT_BUS_NAME ?? 'default');
