import { createHash } from 'node:crypto';
import type { ClientFrame, PresenceEntry, ServerFrame } from '#shared/schemas/websocket';
import { AppError } from '#functions/lib/errors';
import { workspaceOf } from '#functions/lib/ids';
import type { Caller } from './workspaces.ts';

/** A WebSocket connection: who opened it (verified at `$connect`) and the projects it is subscribed to. */
export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  email: string;
  connectedAt: string;
  projectIds: string[];
}

/** A connection subscribed to one project: it receives the project's events, and is someone's presence there. */
export interface SubscriptionRecord {
  connectionId: string;
  userId: string;
  projectId: string;
  workspaceId: string;
  session: string;
  viewing: string | null;
  editing: string | null;
  subscribedAt: string;
  updatedAt: string;
}

export interface LiveRepository {
  connection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /**
   * Saves the subscription (replacing an earlier one of this connection), expiring with the connection opened
   * at `connectedAt`; false when the connection is gone.
   */
  subscribe(subscription: SubscriptionRecord, connectedAt: string): Promise<boolean>;
  unsubscribe(connectionId: string, projectId: string): Promise<void>;
  /** Records where the connection is on the board; false when it is not subscribed to the project. */
  setPresence(
    subscription: Pick<
      SubscriptionRecord,
      'connectionId' | 'projectId' | 'viewing' | 'editing' | 'updatedAt'
    >,
  ): Promise<boolean>;
  /** Every subscription of a project (strongly consistent). */
  subscribers(projectId: string): Promise<SubscriptionRecord[]>;
  /** The user ids of a workspace's members (strongly consistent). */
  memberIds(workspaceId: string): Promise<Set<string>>;
  /** Forgets a connection and every subscription it had. */
  removeConnection(connectionId: string): Promise<void>;
  removeSubscription(projectId: string, connectionId: string): Promise<void>;
}

/** Who may read a project: throws the API's error (404 for strangers and unknown projects alike) otherwise. */
export interface ProjectReadAuthorizer {
  authorize(caller: Caller, projectId: string, action: 'workspace.read'): Promise<unknown>;
}

/**
 * A connection's presence session: an opaque, stable id derived from the connection id, so clients can tell two
 * tabs of one person apart without learning connection ids (which only the server should hold).
 */
export function sessionOf(connectionId: string): string {
  return createHash('sha256').update(connectionId).digest('base64url').slice(0, 16);
}

export function presenceOf(subscription: SubscriptionRecord, online = true): PresenceEntry {
  return {
    userId: subscription.userId,
    session: subscription.session,
    online,
    viewing: online ? subscription.viewing : null,
    editing: online ? subscription.editing : null,
    at: subscription.updatedAt,
  };
}

const errorFrame = (code: string, message: string, projectId?: string): ServerFrame => ({
  type: 'error',
  code,
  message,
  ...(projectId ? { projectId } : {}),
});

/**
 * The client frames of the live board (subscribe, unsubscribe, presence, ping): each answers with at most one
 * frame to the connection that sent it. Events to others go through the table's stream (see broadcast.ts), so a
 * subscription or presence change reaches the board the same way a task change does.
 */
export class LiveService {
  constructor(
    private readonly repository: LiveRepository,
    private readonly projects: ProjectReadAuthorizer,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async handle(connectionId: string, frame: ClientFrame): Promise<ServerFrame | undefined> {
    if (frame.action === 'ping') return { type: 'pong' };
    const connection = await this.repository.connection(connectionId);
    // $connect saves the connection before the socket opens; none means it was removed meanwhile (TTL, a 410).
    if (!connection) return errorFrame('UNAUTHORIZED', 'This connection is no longer known; reconnect');
    switch (frame.action) {
      case 'subscribe':
        return this.subscribe(connection, frame.projectId);
      case 'unsubscribe':
        await this.repository.unsubscribe(connectionId, frame.projectId);
        return { type: 'unsubscribed', projectId: frame.projectId, reason: 'UNSUBSCRIBED' };
      case 'presence': {
        const saved = await this.repository.setPresence({
          connectionId,
          projectId: frame.projectId,
          viewing: frame.viewing,
          editing: frame.viewing ? (frame.editing ?? null) : null,
          updatedAt: this.clock().toISOString(),
        });
        return saved
          ? undefined
          : errorFrame('CONFLICT', 'Subscribe to the project before sending presence', frame.projectId);
      }
    }
  }

  private async subscribe(connection: ConnectionRecord, projectId: string): Promise<ServerFrame> {
    const workspaceId = workspaceOf(projectId);
    try {
      if (!workspaceId) throw new AppError('NOT_FOUND', 'No such project');
      await this.projects.authorize(
        { userId: connection.userId, email: connection.email },
        projectId,
        'workspace.read',
      );
    } catch (error) {
      if (error instanceof AppError) return errorFrame(error.code, error.message, projectId);
      throw error;
    }
    const now = this.clock().toISOString();
    const session = sessionOf(connection.connectionId);
    const saved = await this.repository.subscribe(
      {
        connectionId: connection.connectionId,
        userId: connection.userId,
        projectId,
        workspaceId,
        session,
        viewing: null,
        editing: null,
        subscribedAt: now,
        updatedAt: now,
      },
      connection.connectedAt,
    );
    if (!saved) return errorFrame('UNAUTHORIZED', 'This connection is no longer known; reconnect', projectId);
    const others = (await this.repository.subscribers(projectId)).filter((s) => s.session !== session);
    return { type: 'subscribed', projectId, session, presence: others.map((s) => presenceOf(s)) };
  }
}
