/**
 * Key builders for the single table: every item's keys are made here, nowhere else, so the access patterns in
 * docs/data-model.md can be checked against one file. `type` is stored on every item (stream filters use it).
 */
export const ItemType = {
  User: 'USER',
  Connection: 'CONNECTION',
  Workspace: 'WORKSPACE',
  Member: 'MEMBER',
} as const;

export const keys = {
  user: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  connection: (connectionId: string) => ({ PK: `CONN#${connectionId}`, SK: 'CONN' }),
  /** GSI1: a user's open WebSocket connections (to push to one user). */
  connectionByUser: (userId: string, connectionId: string) => ({
    GSI1PK: `USER#${userId}#CONNS`,
    GSI1SK: `CONN#${connectionId}`,
  }),
  workspace: (workspaceId: string) => ({ PK: `WS#${workspaceId}`, SK: '#META' }),
  member: (workspaceId: string, userId: string) => ({ PK: `WS#${workspaceId}`, SK: `MEMBER#${userId}` }),
  memberPrefix: 'MEMBER#',
  /** GSI1: a user's workspaces (their member items). */
  membershipByUser: (userId: string, workspaceId: string) => ({
    GSI1PK: `USER#${userId}#WS`,
    GSI1SK: `WS#${workspaceId}`,
  }),
  membershipsOf: (userId: string) => `USER#${userId}#WS`,
  /** Health probe: a GetItem of a key that never exists proves the table answers reads. */
  healthProbe: () => ({ PK: 'HEALTH', SK: 'HEALTH' }),
};
