import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Allows exactly `actions` on exactly `resources`. CMV grants name every action (IAM wildcards such
 * as `s3:GetObject*` grant more than a reader can see), so a wildcard action is a programming error.
 * @throws Error naming the wildcard actions received
 */
export function allow(grantee: IGrantable, actions: readonly string[], resources: readonly string[]): Grant {
  const wildcards = actions.filter((a) => a.includes('*'));
  if (wildcards.length > 0) throw new Error(`grants must name their actions, got wildcard actions: ${wildcards.join(', ')}`);
  return Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [...resources] });
}

/** The AWS services that use the app key on a caller's behalf. */
export type KeyUser = 'dynamodb' | 's3' | 'sns' | 'sqs' | 'secretsmanager';

/**
 * Allows `actions` on `key` only through `service` (`kms:ViaService`): a function that may read the
 * tables can decrypt table items, not an S3 object or the link secret encrypted with the same key.
 */
export function allowKeyVia(grantee: IGrantable, key: IKey, service: KeyUser, actions: readonly string[]): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: [...actions],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.amazonaws.com` } },
  });
}

/** KMS actions to read data encrypted with a key. */
export const KEY_DECRYPT = ['kms:Decrypt', 'kms:DescribeKey'] as const;
/** KMS actions to write (and read back) data encrypted with a key. */
export const KEY_ENCRYPT_DECRYPT = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;

/**
 * Records, on the grantee, why its policy has a wildcard resource: acknowledges the cdk-nag finding
 * `AwsSolutions-IAM5[Resource::<finding>]` (e.g. `<BucketLogicalId.Arn>/*`) and no other.
 */
export function acknowledgeWildcardResource(grantee: IGrantable, finding: string, reason: string): void {
  if (Construct.isConstruct(grantee)) Validations.of(grantee).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
}

/**
 * A resource as cdk-nag names it in a finding: the resolved value with `Ref`s written `<Id>` and
 * `Fn::GetAtt`s `<Id.Attr>` (e.g. `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:…`).
 * @throws Error naming an intrinsic other than those and `Fn::Join`
 */
export function nagResource(scope: Construct, value: string): string {
  const render = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, unknown>;
    if ('Ref' in o) return `<${o.Ref}>`;
    if ('Fn::GetAtt' in o) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    throw new Error(`cannot name ${JSON.stringify(v)} as cdk-nag does`);
  };
  return render(Stack.of(scope).resolve(value));
}
