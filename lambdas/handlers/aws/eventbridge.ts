import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '../../adapters/event-bridge';
import type { EventBus } from '../../core/ports';
import { traced } from '../observability';

/** The `events` port in AWS: CMV's events on the bus EVENT_BUS_NAME (default: `default`). */
export const eventBridgeBus = (): EventBus => new EventBridgeBus(traced(new EventBridgeClient({})), process.env.EVENT_BUS_NAME ?? 'default');
