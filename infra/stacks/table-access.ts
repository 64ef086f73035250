import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { table as tableDefinition } from '../definitions.ts';

/**
 * Table permissions by name, never `index/*`: the table and each index of infra/definitions.ts by its ARN, and
 * only the item actions the code issues (Get, BatchGet, Query, Put, Update, Delete, BatchWrite and, inside
 * transactions, ConditionCheck). No Scan (docs/data-model.md: no access pattern scans) and no DescribeTable.
 */
const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

export type TableAccess = 'read' | 'write' | 'read-write';

export function grantTable(table: ITable, grantee: IGrantable, access: TableAccess): Grant {
  const actions = new Set<string>();
  if (access !== 'write') READ_ACTIONS.forEach((a) => actions.add(a));
  if (access !== 'read') WRITE_ACTIONS.forEach((a) => actions.add(a));
  const indexArns =
    access === 'write'
      ? []
      : tableDefinition.globalSecondaryIndexes.map((index) => `${table.tableArn}/index/${index.indexName}`);
  return Grant.addToPrincipal({
    grantee,
    actions: [...actions],
    resourceArns: [table.tableArn, ...indexArns],
  });
}
