import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { type KeyAttribute, TABLES, type TableDefinition } from '../../lambdas/adapters/tables';
import { allow, allowKeyVia, KEY_DECRYPT, KEY_ENCRYPT_DECRYPT } from './grants';

/** Properties of {@link CmvTables}. */
export interface CmvTablesProps {
  /** The customer-managed key that encrypts every table. */
  readonly encryptionKey: IKey;
  /**
   * The tables to create.
   * @default TABLES from lambdas/adapters/tables.ts (the definitions the local runtime uses too)
   */
  readonly definitions?: readonly TableDefinition[];
}

const attribute = (a: KeyAttribute) => ({ name: a.name, type: a.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING });

/**
 * The DynamoDB tables of CMV, built from the plain-data definitions in `lambdas/adapters/tables.ts`
 * so that deployed tables equal local ones: on-demand, encrypted with the app key, point-in-time
 * recovery, deletion protection, retained when the stack is deleted (they hold the audit ledger).
 *
 * Grants are item-level and name their actions: the adapters only GetItem, Query and PutItem
 * (TransactWriteItems is authorised per item as PutItem), so nobody may UpdateItem or DeleteItem
 * (but the `Idempotency-Key` records of the Idempotency table), and the ledger is append-only by
 * IAM, not by convention.
 */
export class CmvTables extends Construct {
  private readonly tables = new Map<string, { readonly table: Table; readonly definition: TableDefinition }>();
  private readonly encryptionKey: IKey;

  constructor(scope: Construct, id: string, props: CmvTablesProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    for (const definition of props.definitions ?? TABLES) {
      const table = new Table(this, definition.id, {
        partitionKey: attribute(definition.partitionKey),
        sortKey: attribute(definition.sortKey),
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.encryptionKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        timeToLiveAttribute: definition.timeToLiveAttribute,
        ...(definition.stream ? { stream: StreamViewType.NEW_IMAGE } : {}),
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          sortKey: attribute(index.sortKey),
          projectionType: ProjectionType.ALL,
        });
      }
      this.tables.set(definition.id, { table, definition });
    }
  }

  /**
   * The table of a definition.
   * @throws Error when the definition is not one of this construct's
   */
  table(definition: Pick<TableDefinition, 'id'>): Table {
    return this.entry(definition).table;
  }

  /** Allows GetItem and Query on the table and each of its indexes (named, no `index/*`), and decrypting its items. */
  grantReadItems(grantee: IGrantable, definition: Pick<TableDefinition, 'id'>): Grant {
    const { table, definition: def } = this.entry(definition);
    allowKeyVia(grantee, this.encryptionKey, 'dynamodb', KEY_DECRYPT);
    const indexArns = def.indexes.map((i) => `${table.tableArn}/index/${i.indexName}`);
    return allow(grantee, ['dynamodb:GetItem', 'dynamodb:Query'], [table.tableArn, ...indexArns]);
  }

  /** Allows GetItem on the table only (e.g. the ledger head before an append), and decrypting items. */
  grantGetItems(grantee: IGrantable, definition: Pick<TableDefinition, 'id'>): Grant {
    const { table } = this.entry(definition);
    allowKeyVia(grantee, this.encryptionKey, 'dynamodb', KEY_DECRYPT);
    return allow(grantee, ['dynamodb:GetItem'], [table.tableArn]);
  }

  /** Allows PutItem (also inside TransactWriteItems) on the table, and encrypting items with the key. */
  grantPutItems(grantee: IGrantable, definition: Pick<TableDefinition, 'id'>): Grant {
    const { table } = this.entry(definition);
    allowKeyVia(grantee, this.encryptionKey, 'dynamodb', KEY_ENCRYPT_DECRYPT);
    return allow(grantee, ['dynamodb:PutItem'], [table.tableArn]);
  }

  /**
   * Allows what Powertools' idempotency utility does to its records (Get/Put/Update/DeleteItem) on the
   * table, and encrypting and decrypting them: for the Idempotency table only, whose records are
   * updated when answered and deleted when their request failed.
   */
  grantIdempotencyRecords(grantee: IGrantable, definition: Pick<TableDefinition, 'id'>): Grant {
    const { table } = this.entry(definition);
    allowKeyVia(grantee, this.encryptionKey, 'dynamodb', KEY_ENCRYPT_DECRYPT);
    return allow(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], [table.tableArn]);
  }

  private entry(definition: Pick<TableDefinition, 'id'>) {
    const found = this.tables.get(definition.id);
    if (!found) throw new Error(`no table ${definition.id} in ${this.node.path}; tables: ${[...this.tables.keys()].join(', ')}`);
    return found;
  }
}
