import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmWatch } from '../../adapters/cloudwatch-alarms';
import { CloudWatchMetricsReader } from '../../adapters/cloudwatch-metrics';
import type { AlarmWatch, MetricsReader } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `alarms` port: the canary alarms of a version, in CloudWatch. */
export const cloudWatchAlarms: Port<AlarmWatch> = {
  sdkClient: (credentials) => traced(new CloudWatchClient(credentials ? { credentials } : {})),
  adapter: (cloudwatch) => new CloudWatchAlarmWatch(cloudwatch),
};

/** The `metrics` port: per-version Lambda metrics of a canary step, from CloudWatch. */
export const cloudWatchMetrics: Port<MetricsReader> = {
  sdkClient: (credentials) => traced(new CloudWatchClient(credentials ? { credentials } : {})),
  adapter: (cloudwatch) => new CloudWatchMetricsReader(cloudwatch),
};
