/**
 * Key builders for the single table: every item's keys are made here, nowhere else, so the access patterns in
 * docs/data-model.md can be checked against one file. `type` is stored on every item (stream filters use it).
 */
export const ItemType = {
  User: 'USER',
  Connection: 'CONNECTION',
  Subscription: 'SUBSCRIPTION',
  Workspace: 'WORKSPACE',
  Member: 'MEMBER',
  Invitation: 'INVITATION',
  InvitationEmail: 'INVITATION_EMAIL',
  InvitationToken: 'INVITATION_TOKEN',
  RateCounter: 'RATE',
  Idempotency: 'IDEMPOTENCY',
  Project: 'PROJECT',
  ProjectKey: 'PROJECT_KEY',
  ProjectCounter: 'PROJECT_COUNTER',
  Label: 'LABEL',
  LabelName: 'LABEL_NAME',
  Task: 'TASK',
  Activity: 'ACTIVITY',
  Assignment: 'ASSIGNMENT',
  Subtask: 'SUBTASK',
  Comment: 'COMMENT',
  Attachment: 'ATTACHMENT',
  Sprint: 'SPRINT',
  Goal: 'GOAL',
  Reminder: 'REMINDER',
  Job: 'JOB',
  AiUsage: 'AI_USAGE',
  Notification: 'NOTIFICATION',
  NotificationMailBatch: 'NOTIFICATION_MAIL_BATCH',
  NotificationDigest: 'NOTIFICATION_DIGEST',
  DigestSent: 'DIGEST_SENT',
  SuppressedEmail: 'SUPPRESSED_EMAIL',
} as const;

/** GSI2 sort key of an assignment without a due date: after every dated one. */
export const NO_DUE_DATE = '9999-12-31';

/**
 * Partitions a day of the daily indexes (assignments due on a date, tasks deleted on a date) is spread over, so
 * no single index partition takes a whole day's writes; the daily run reads each of them.
 */
export const DAY_SHARDS = 4;

/** The shard of an id (FNV-1a over its characters): stable, so an id's entries always share a partition. */
export function shardOf(id: string, shards: number = DAY_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}

export const keys = {
  user: (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }),
  /** GSI2 on profile items: the account(s) of an email address (an invitation tells an existing account). */
  userByEmail: (email: string) => ({ GSI2PK: `EMAIL#${email.toLowerCase()}`, GSI2SK: 'PROFILE' }),
  usersWithEmail: (email: string) => `EMAIL#${email.toLowerCase()}`,
  connection: (connectionId: string) => ({ PK: `CONN#${connectionId}`, SK: 'CONN' }),
  /** GSI1: a user's open WebSocket connections (to push to one user). */
  connectionByUser: (userId: string, connectionId: string) => ({
    GSI1PK: `USER#${userId}#CONNS`,
    GSI1SK: `CONN#${connectionId}`,
  }),
  /**
   * A connection subscribed to a project's live events (and its presence there), in the project's subscriber
   * partition: the broadcast reads a board's subscribers with one strongly consistent Query.
   */
  subscription: (projectId: string, connectionId: string) => ({
    PK: `PROJECT#${projectId}#SUBS`,
    SK: `CONN#${connectionId}`,
  }),
  subscribersOf: (projectId: string) => `PROJECT#${projectId}#SUBS`,
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
  /** The project's task-number counter, an item of its own so taking a number never waits on the project item. */
  projectCounter: (workspaceId: string, projectId: string) => ({
    PK: `WS#${workspaceId}`,
    SK: `PROJECTSEQ#${projectId}`,
  }),
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
  /**
   * GSI2 on deleted task items (GSI2 is free on them: the sprint key is only on live tasks): the tasks deleted on
   * a day across the whole table, so the daily run finds those past the restore window without a Scan.
   */
  taskDeletedOnDay: (deletedAt: string, taskId: string) => ({
    GSI2PK: `DELETED#${deletedAt.slice(0, 10)}#${shardOf(taskId)}`,
    GSI2SK: `${deletedAt}#${taskId}`,
  }),
  deletedOnDayShard: (day: string, shard: number) => `DELETED#${day}#${shard}`,
  /** A change of a task, stored with it (task history) and indexed by project (project history, changes since). */
  taskActivity: (taskId: string, activityId: string) => ({ PK: `TASK#${taskId}`, SK: `ACT#${activityId}` }),
  activityPrefix: 'ACT#',
  projectActivity: (projectId: string, activityId: string) => ({
    GSI1PK: `PROJECT#${projectId}#ACTIVITY`,
    GSI1SK: activityId,
  }),
  activityOf: (projectId: string) => `PROJECT#${projectId}#ACTIVITY`,
  /** The partition of a project's own items (its sprints, its project and sprint activity): the export reads it. */
  projectItemsOf: (projectId: string) => `PROJECT#${projectId}`,
  /** An activity of a project itself or of a sprint (task, subtask and comment activity is in the task). */
  projectOwnActivity: (projectId: string, activityId: string) => ({
    PK: `PROJECT#${projectId}`,
    SK: `ACT#${activityId}`,
  }),
  /**
   * An assignee of a task, with a copy of what "My day" filters on (dueDate, status), kept in step by the task's
   * transactions; GSI2 lists a user's assigned tasks by due date across workspaces.
   */
  assignment: (taskId: string, userId: string) => ({ PK: `TASK#${taskId}`, SK: `ASSIGNEE#${userId}` }),
  assignmentPrefix: 'ASSIGNEE#',
  assignedTo: (userId: string, dueDate: string | null, taskId: string) => ({
    GSI2PK: `USER#${userId}#ASSIGNED`,
    GSI2SK: `${dueDate ?? NO_DUE_DATE}#${taskId}`,
  }),
  assignedOf: (userId: string) => `USER#${userId}#ASSIGNED`,
  /**
   * GSI1 on assignment items, sparse: only an open assignment (not done, not archived) with a due date, so the
   * daily run reads "assignments due on D" without a Scan. Sharded by user, so one user's entries of a day
   * are one contiguous run of one partition.
   */
  dueOn: (dueDate: string, userId: string, taskId: string) => ({
    GSI1PK: `DUE#${dueDate}#${shardOf(userId)}`,
    GSI1SK: `${userId}#${taskId}`,
  }),
  dueOnShard: (dueDate: string, shard: number) => `DUE#${dueDate}#${shard}`,
  /** Marker: the due-date digest for `dueDate` went to this user (claimed before sending; ttl a few days). */
  reminder: (userId: string, dueDate: string) => ({ PK: `USER#${userId}`, SK: `REMINDER#${dueDate}` }),
  /** GSI3: a workspace's live tasks, most recently updated first (workspace search, label clean-up). */
  taskInWorkspace: (workspaceId: string, updatedAt: string, taskId: string) => ({
    GSI3PK: `WS#${workspaceId}#TASKS`,
    GSI3SK: `${updatedAt}#${taskId}`,
  }),
  tasksOfWorkspace: (workspaceId: string) => `WS#${workspaceId}#TASKS`,
  /** A subtask (checklist item) of a task; its id is `<taskId>.<ulid>`, so creation order is SK order. */
  subtask: (taskId: string, subtaskId: string) => ({ PK: `TASK#${taskId}`, SK: `SUBTASK#${subtaskId}` }),
  subtaskPrefix: 'SUBTASK#',
  /** A comment of a task; its id is `<taskId>.<ulid>`. */
  comment: (taskId: string, commentId: string) => ({ PK: `TASK#${taskId}`, SK: `COMMENT#${commentId}` }),
  commentPrefix: 'COMMENT#',
  /** An attachment of a task; its id is `<taskId>.<ulid>`, so upload order is SK order. */
  attachment: (taskId: string, attachmentId: string) => ({
    PK: `TASK#${taskId}`,
    SK: `ATTACH#${attachmentId}`,
  }),
  attachmentPrefix: 'ATTACH#',
  /**
   * GSI2 on pending attachment items only (removed on confirm): the uploads that expire on a day, so the daily
   * run removes the unconfirmed ones where TTL does not run (DynamoDB Local) or has not run yet.
   */
  uploadExpiring: (expiresAt: string, attachmentId: string) => ({
    GSI2PK: `UPLOADS#${expiresAt.slice(0, 10)}#${shardOf(attachmentId)}`,
    GSI2SK: `${expiresAt}#${attachmentId}`,
  }),
  uploadsExpiringShard: (day: string, shard: number) => `UPLOADS#${day}#${shard}`,
  /** A sprint of a project; its id is `<projectId>.<ulid>`. */
  sprint: (projectId: string, sprintId: string) => ({ PK: `PROJECT#${projectId}`, SK: `SPRINT#${sprintId}` }),
  sprintPrefix: 'SPRINT#',
  /** GSI2 on task items: a sprint's tasks (burndown, completion carry-over). */
  taskInSprint: (sprintId: string, taskId: string) => ({ GSI2PK: `SPRINT#${sprintId}`, GSI2SK: taskId }),
  tasksOfSprint: (sprintId: string) => `SPRINT#${sprintId}`,
  /** A goal (personal or of a workspace), in a partition of its own so any task transaction can count on it. */
  goal: (goalId: string) => ({ PK: `GOAL#${goalId}`, SK: '#META' }),
  /** GSI1: a user's personal goals, a workspace's goals; creation order. */
  personalGoal: (userId: string, goalId: string) => ({ GSI1PK: `USER#${userId}#GOALS`, GSI1SK: goalId }),
  personalGoalsOf: (userId: string) => `USER#${userId}#GOALS`,
  workspaceGoal: (workspaceId: string, goalId: string) => ({
    GSI1PK: `WS#${workspaceId}#GOALS`,
    GSI1SK: goalId,
  }),
  workspaceGoalsOf: (workspaceId: string) => `WS#${workspaceId}#GOALS`,
  /** A fixed-window request counter (one per subject and window). */
  rateCounter: (subject: string, windowStart: number) => ({ PK: `RATE#${subject}#${windowStart}`, SK: '#' }),
  /** The first answer to a request sent with an Idempotency-Key, per user and key (ttl 24 h). */
  idempotency: (userId: string, key: string) => ({ PK: `IDEMP#${userId}#${key}`, SK: '#' }),
  /** An asynchronous job (AI breakdown); its id is `<workspaceId>.<ulid>`; ttl 7 days. */
  job: (jobId: string) => ({ PK: `JOB#${jobId}`, SK: '#META' }),
  /** A workspace's AI model tokens used in a calendar month (`YYYY-MM`), counted with ADD; ttl ~13 months. */
  aiUsage: (workspaceId: string, month: string) => ({ PK: `WS#${workspaceId}#AI`, SK: `TOKENS#${month}` }),
  /**
   * A user's notification (ttl 90 days); its id is a ULID (the source's time), so the partition reads newest
   * first with ScanIndexForward false. GSI1, sparse: only while unread (marking read removes the GSI1 keys), so
   * the unread list and count are one Query.
   */
  notification: (userId: string, notificationId: string) => ({
    PK: `USER#${userId}#NOTIFS`,
    SK: `NOTIF#${notificationId}`,
  }),
  notificationsOf: (userId: string) => `USER#${userId}#NOTIFS`,
  unreadNotification: (userId: string, notificationId: string) => ({
    GSI1PK: `USER#${userId}#UNREAD`,
    GSI1SK: notificationId,
  }),
  unreadOf: (userId: string) => `USER#${userId}#UNREAD`,
  /**
   * A person's pending notification email batch: the ids (a string set) of notifications to mail, and whether
   * its delayed message is queued (functions/domain/notification-email.ts).
   */
  notificationMailBatch: (userId: string) => ({ PK: `USER#${userId}`, SK: 'NOTIFYMAIL' }),
  /**
   * A person's notifications collected for the daily digest email (ids, a string set). GSI1, sharded by user:
   * the daily run finds everyone with a digest to send without a Scan.
   */
  notificationDigest: (userId: string) => ({ PK: `USER#${userId}`, SK: 'NOTIFYDIGEST' }),
  digestPending: (userId: string) => ({ GSI1PK: `DIGEST#${shardOf(userId)}`, GSI1SK: userId }),
  digestPendingShard: (shard: number) => `DIGEST#${shard}`,
  /** Marker: the daily digest of `day` (the run's UTC date) went to this user (claimed before sending). */
  digestSent: (userId: string, day: string) => ({ PK: `USER#${userId}`, SK: `DIGEST#${day}` }),
  /** An address that bounced or complained (SES events): mailed no more. */
  suppressedEmail: (email: string) => ({ PK: `SUPPRESSED#${email.toLowerCase()}`, SK: '#' }),
  /** Health probe: a GetItem of a key that never exists proves the table answers reads. */
  healthProbe: () => ({ PK: 'HEALTH', SK: 'HEALTH' }),
};
