/**
 * The route table: the one source of truth for every HTTP and WebSocket route. The CDK stack creates an API
 * Gateway route per entry, and the local gateway serves exactly these; neither has a list of its own.
 *
 * `fn` names the Lambda function (see infra/functions.ts) that serves the route. Routes of one resource share a
 * function: one cold start warms them all, and a fault stays within one resource's routes.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type RouteAuth = 'jwt' | 'none';

export interface HttpRoute {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  path: string;
  fn: string;
  auth: RouteAuth;
}

export const httpRoutes = [
  { method: 'GET', path: '/api/health', fn: 'health', auth: 'none' },
  { method: 'GET', path: '/api/me', fn: 'me', auth: 'jwt' },
  { method: 'PATCH', path: '/api/me', fn: 'me', auth: 'jwt' },
  { method: 'GET', path: '/api/me/tasks', fn: 'me', auth: 'jwt' },
  { method: 'POST', path: '/api/workspaces', fn: 'workspaces', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces', fn: 'workspaces', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'PATCH', path: '/api/workspaces/{workspaceId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'DELETE', path: '/api/workspaces/{workspaceId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/members', fn: 'workspaces', auth: 'jwt' },
  { method: 'PATCH', path: '/api/workspaces/{workspaceId}/members/{userId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'DELETE', path: '/api/workspaces/{workspaceId}/members/{userId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'POST', path: '/api/workspaces/{workspaceId}/invitations', fn: 'workspaces', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/invitations', fn: 'workspaces', auth: 'jwt' },
  { method: 'DELETE', path: '/api/invitations/{invitationId}', fn: 'workspaces', auth: 'jwt' },
  { method: 'GET', path: '/api/invitations/{token}', fn: 'workspaces', auth: 'jwt' },
  { method: 'POST', path: '/api/invitations/{token}/accept', fn: 'workspaces', auth: 'jwt' },
  { method: 'POST', path: '/api/workspaces/{workspaceId}/projects', fn: 'projects', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/projects', fn: 'projects', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}', fn: 'projects', auth: 'jwt' },
  { method: 'PATCH', path: '/api/projects/{projectId}', fn: 'projects', auth: 'jwt' },
  { method: 'DELETE', path: '/api/projects/{projectId}', fn: 'projects', auth: 'jwt' },
  { method: 'POST', path: '/api/workspaces/{workspaceId}/labels', fn: 'projects', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/labels', fn: 'projects', auth: 'jwt' },
  { method: 'PATCH', path: '/api/labels/{labelId}', fn: 'projects', auth: 'jwt' },
  { method: 'DELETE', path: '/api/labels/{labelId}', fn: 'projects', auth: 'jwt' },
  { method: 'POST', path: '/api/projects/{projectId}/tasks', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}/tasks', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/tasks/{taskId}', fn: 'tasks', auth: 'jwt' },
  { method: 'PATCH', path: '/api/tasks/{taskId}', fn: 'tasks', auth: 'jwt' },
  { method: 'POST', path: '/api/tasks/{taskId}/move', fn: 'tasks', auth: 'jwt' },
  { method: 'DELETE', path: '/api/tasks/{taskId}', fn: 'tasks', auth: 'jwt' },
  { method: 'POST', path: '/api/tasks/{taskId}/restore', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/tasks/{taskId}/activity', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}/activity', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}/changes', fn: 'tasks', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/search', fn: 'tasks', auth: 'jwt' },
  { method: 'POST', path: '/api/tasks/{taskId}/subtasks', fn: 'subtasks', auth: 'jwt' },
  { method: 'GET', path: '/api/tasks/{taskId}/subtasks', fn: 'subtasks', auth: 'jwt' },
  { method: 'PATCH', path: '/api/subtasks/{subtaskId}', fn: 'subtasks', auth: 'jwt' },
  { method: 'DELETE', path: '/api/subtasks/{subtaskId}', fn: 'subtasks', auth: 'jwt' },
  { method: 'POST', path: '/api/tasks/{taskId}/ai-breakdown', fn: 'ai', auth: 'jwt' },
  { method: 'GET', path: '/api/jobs/{jobId}', fn: 'ai', auth: 'jwt' },
  { method: 'GET', path: '/api/notifications', fn: 'notifications', auth: 'jwt' },
  { method: 'POST', path: '/api/notifications/read', fn: 'notifications', auth: 'jwt' },
  { method: 'GET', path: '/api/unsubscribe', fn: 'notifications', auth: 'none' },
  { method: 'POST', path: '/api/unsubscribe', fn: 'notifications', auth: 'none' },
  { method: 'POST', path: '/api/tasks/{taskId}/comments', fn: 'comments', auth: 'jwt' },
  { method: 'GET', path: '/api/tasks/{taskId}/comments', fn: 'comments', auth: 'jwt' },
  { method: 'PATCH', path: '/api/comments/{commentId}', fn: 'comments', auth: 'jwt' },
  { method: 'DELETE', path: '/api/comments/{commentId}', fn: 'comments', auth: 'jwt' },
  { method: 'POST', path: '/api/tasks/{taskId}/attachments', fn: 'attachments', auth: 'jwt' },
  { method: 'GET', path: '/api/tasks/{taskId}/attachments', fn: 'attachments', auth: 'jwt' },
  { method: 'POST', path: '/api/attachments/{attachmentId}/confirm', fn: 'attachments', auth: 'jwt' },
  { method: 'DELETE', path: '/api/attachments/{attachmentId}', fn: 'attachments', auth: 'jwt' },
  { method: 'POST', path: '/api/projects/{projectId}/sprints', fn: 'sprints', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}/sprints', fn: 'sprints', auth: 'jwt' },
  { method: 'GET', path: '/api/sprints/{sprintId}', fn: 'sprints', auth: 'jwt' },
  { method: 'PATCH', path: '/api/sprints/{sprintId}', fn: 'sprints', auth: 'jwt' },
  { method: 'DELETE', path: '/api/sprints/{sprintId}', fn: 'sprints', auth: 'jwt' },
  { method: 'GET', path: '/api/sprints/{sprintId}/burndown', fn: 'sprints', auth: 'jwt' },
  { method: 'GET', path: '/api/projects/{projectId}/velocity', fn: 'sprints', auth: 'jwt' },
  { method: 'POST', path: '/api/goals', fn: 'goals', auth: 'jwt' },
  { method: 'GET', path: '/api/goals', fn: 'goals', auth: 'jwt' },
  { method: 'GET', path: '/api/goals/{goalId}', fn: 'goals', auth: 'jwt' },
  { method: 'PATCH', path: '/api/goals/{goalId}', fn: 'goals', auth: 'jwt' },
  { method: 'DELETE', path: '/api/goals/{goalId}', fn: 'goals', auth: 'jwt' },
  { method: 'GET', path: '/api/workspaces/{workspaceId}/export', fn: 'export', auth: 'jwt' },
] as const satisfies readonly HttpRoute[];

/**
 * API Gateway's `$default` route catches every request no other route matches; its function answers 404 in the
 * contract's error shape (API Gateway's own "Not Found" body would not be).
 */
export const defaultHttpRoute = { routeKey: '$default', fn: 'not-found', auth: 'none' } as const;

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default`, or an action selected by `$request.body.action`. */
  routeKey: string;
  fn: string;
}

export const websocketRouteSelectionExpression = '$request.body.action';

export const websocketRoutes = [
  { routeKey: '$connect', fn: 'ws-connect' },
  { routeKey: '$disconnect', fn: 'ws-disconnect' },
  { routeKey: '$default', fn: 'ws-message' },
] as const satisfies readonly WebSocketRoute[];

export type RouteKey = `${(typeof httpRoutes)[number]['method']} ${(typeof httpRoutes)[number]['path']}`;

export function routeKeyOf(route: Pick<HttpRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
