import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { CmvFunction } from './cmv-function';
import { acknowledgeWildcardResource, allow } from './grants';

/** Properties of {@link CmvWakes}. */
export interface CmvWakesProps {
  /** The environment every CMV function gets (tables, topic, users). */
  readonly environment: Record<string, string>;
}

/**
 * The wake-ups of the workflow's timed waits (a canary step's bake, a look at a CodeDeploy
 * deployment): EventBridge Scheduler one-time schedules in a schedule group of their own, each
 * invoking the wake function (lambdas/handlers/scheduled/wake-due.ts) with `{changeId}` under a role
 * that may invoke that function and nothing else, trusted by EventBridge Scheduler for this account
 * only (`aws:SourceAccount`, against the confused deputy). The function's grants to read the token and
 * resume the workflow are the stack's, by capability; {@link grantScheduleWakes} lets a function
 * create schedules in the group and pass the role to EventBridge Scheduler, nothing more.
 */
export class CmvWakes extends Construct {
  readonly group: ScheduleGroup;
  /** The function the schedules invoke. */
  readonly function: CmvFunction;
  /** The role EventBridge Scheduler assumes to invoke it. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: CmvWakesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Named after the stack (a group name is at most 64 of [0-9a-zA-Z-_.]): the local runtime creates its group under
    // the same name (`cmv-wakes`), so that the grants below name what it calls.
    this.group = new ScheduleGroup(this, 'Group', { scheduleGroupName: `${stack.stackName.slice(0, 58)}-wakes` });
    this.function = new CmvFunction(this, 'WakeDue', {
      entry: 'lambdas/handlers/scheduled/wake-due.ts',
      description: "CMV: a wait's one-time schedule fired: ends the workflow's bake or CodeDeploy wait when its deadline has come",
      environment: props.environment,
    });
    this.role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: "CMV: EventBridge Scheduler invokes the workflow's wake function, nothing else",
    });
    allow(this.role, ['lambda:InvokeFunction'], [this.function.function.functionArn]);
  }

  /** What a function that schedules wake-ups reads (lambdas/handlers/aws-services.ts). */
  get environment(): Record<string, string> {
    return {
      WAKE_SCHEDULE_GROUP: this.group.scheduleGroupName,
      WAKE_FUNCTION_ARN: this.function.function.functionArn,
      WAKE_ROLE_ARN: this.role.roleArn,
    };
  }

  /**
   * Allows creating schedules in the wake group (scheduler:CreateSchedule on its schedules only) and
   * passing the scheduler role, to EventBridge Scheduler only (`iam:PassedToService`).
   */
  grantScheduleWakes(grantee: IGrantable): Grant {
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    acknowledgeWildcardResource(
      grantee,
      `arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${Stack.of(this).resolve(this.group.scheduleGroupName)}/*`,
      'A wake-up is a schedule named after its change and wait, created at run time: the grant covers the schedules of the wake group only.',
    );
    Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    return allow(grantee, ['scheduler:CreateSchedule'], [schedules]);
  }
}
