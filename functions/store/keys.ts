/**
 * Key builders for the single table: every item's keys are made here, nowhere else, so the access patterns in
 * docs/data-model.md can be checked against one file. `type` is stored on every item (stream filters use it).
 */
export const ItemType = {
  User: 'USER',
  Connection: 'CONNECTION',
} as const;

export const keys = {
  user: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  connection: (connectionId: string) => ({ PK: `CONN#${connectionId}`, SK: 'CONN' }),
  /** GSI1: a user's open WebSocket connections (to push to one user). */
  connectionByUser: (userId: string, connectionId: string) => ({
    GSI1PK: `USER#${userId}#CONNS`,
    GSI1SK: `CONN#${connectionId}`,
  }),
  /** Health probe: a GetItem of a key that never exists proves the table answers reads. */
  healthProbe: () => ({ PK: 'HEALTH', SK: 'HEALTH' }),
};
