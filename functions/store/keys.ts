/**
 * Key builders for the single table: every item's keys are made here, nowhere else, so the access patterns in
 * docs/data-model.md can be checked against one file. `type` is stored on every item (stream filters use it).
 */
export const ItemType = {
  User: 'USER',
  Connection: 'CONNECTION',
  Workspace: 'WORKSPACE',
  Member: 'MEMBER',
  Invitation: 'INVITATION',
  InvitationEmail: 'INVITATION_EMAIL',
  InvitationToken: 'INVITATION_TOKEN',
  RateCounter: 'RATE',
  Project: 'PROJECT',
  ProjectKey: 'PROJECT_KEY',
  Label: 'LABEL',
  LabelName: 'LABEL_NAME',
  Task: 'TASK',
  Activity: 'ACTIVITY',
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
  invitation: (workspaceId: string, invitationId: string) => ({
    PK: `WS#${workspaceId}`,
    SK: `INVITE#${invitationId}`,
  }),
  invitationPrefix: 'INVITE#',
  /** Guard: one pending invitation per email and workspace. */
  invitationEmail: (workspaceId: string, email: string) => ({
    PK: `WS#${workspaceId}`,
    SK: `INVITEEMAIL#${email}`,
  }),
  /** Accept-by-token lookup; the key holds only the token's SHA-256, never the token. */
  invitationToken: (tokenHash: string) => ({ PK: `INVITETOKEN#${tokenHash}`, SK: '#META' }),
  project: (workspaceId: string, projectId: string) => ({
    PK: `WS#${workspaceId}`,
    SK: `PROJECT#${projectId}`,
  }),
  projectPrefix: 'PROJECT#',
  /** Guard: project keys are unique in a workspace. */
  projectKey: (workspaceId: string, key: string) => ({ PK: `WS#${workspaceId}`, SK: `PROJECTKEY#${key}` }),
  label: (workspaceId: string, labelId: string) => ({ PK: `WS#${workspaceId}`, SK: `LABEL#${labelId}` }),
  labelPrefix: 'LABEL#',
  /** Guard: label names are unique (case-insensitively) in a workspace. */
  labelName: (workspaceId: string, lowerName: string) => ({
    PK: `WS#${workspaceId}`,
    SK: `LABELNAME#${lowerName}`,
  }),
  task: (taskId: string) => ({ PK: `TASK#${taskId}`, SK: '#META' }),
  /** GSI1: a project's board, tasks in rank order within each status (statusIndex keeps the column order). */
  taskOnBoard: (projectId: string, statusIndex: number, rank: string) => ({
    GSI1PK: `PROJECT#${projectId}#BOARD`,
    GSI1SK: `${statusIndex}#${rank}`,
  }),
  boardOf: (projectId: string) => `PROJECT#${projectId}#BOARD`,
  /** GSI1: a project's soft-deleted tasks (they leave the board), newest deletion last. */
  taskDeleted: (projectId: string, deletedAt: string) => ({
    GSI1PK: `PROJECT#${projectId}#DELETED`,
    GSI1SK: deletedAt,
  }),
  deletedOf: (projectId: string) => `PROJECT#${projectId}#DELETED`,
  /** A change of a task, stored with it (task history) and indexed by project (project history, changes since). */
  taskActivity: (taskId: string, activityId: string) => ({ PK: `TASK#${taskId}`, SK: `ACT#${activityId}` }),
  activityPrefix: 'ACT#',
  projectActivity: (projectId: string, activityId: string) => ({
    GSI1PK: `PROJECT#${projectId}#ACTIVITY`,
    GSI1SK: activityId,
  }),
  activityOf: (projectId: string) => `PROJECT#${projectId}#ACTIVITY`,
  /** A fixed-window request counter (one per subject and window). */
  rateCounter: (subject: string, windowStart: number) => ({ PK: `RATE#${subject}#${windowStart}`, SK: '#' }),
  /** Health probe: a GetItem of a key that never exists proves the table answers reads. */
  healthProbe: () => ({ PK: 'HEALTH', SK: 'HEALTH' }),
};
