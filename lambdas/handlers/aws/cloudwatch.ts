import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmWatch } from '../../adapters/cloudwatch-alarms';
import { CloudWatchMetricsReader } from '../../adapters/cloudwatch-metrics';
import type { AlarmWatch, MetricsReader } from '../../core/ports';
import { traced } from '../observability';

/** The `alarms` port in AWS: the canary alarms of a version, in CloudWatch. */
export const cloudWatchAlarms = (): AlarmWatch => new CloudWatchAlarmWatch(traced(new CloudWatchClient({})));

/** The `metrics` port in AWS: per-version Lambda metrics of a canary step, from CloudWatch. */
export const cloudWatchMetrics = (): MetricsReader => new CloudWatchMetricsReader(traced(new CloudWatchClient({})));
