import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Label, Project } from '../../../shared/schemas/projects.ts';
import type { Member, Workspace } from '../../../shared/schemas/workspaces.ts';
import { api, type Page } from './api.ts';

/** Query keys, in one place so invalidations match. */
export const keys = {
  workspaces: ['workspaces'] as const,
  projects: (workspaceId: string) => ['projects', workspaceId] as const,
  members: (workspaceId: string) => ['members', workspaceId] as const,
  invitations: (workspaceId: string) => ['invitations', workspaceId] as const,
  labels: (workspaceId: string) => ['labels', workspaceId] as const,
  task: (taskId: string) => ['task', taskId] as const,
  column: (projectId: string) => ['column', projectId] as const,
  /** The board's first request (Board.tsx, seedQuery), per filters. */
  seed: (projectId: string) => ['boardSeed', projectId] as const,
  list: (projectId: string) => ['list', projectId] as const,
  plan: (projectId: string) => ['plan', projectId] as const,
  calendar: (projectId: string) => ['calendar', projectId] as const,
  projectByKey: ['projectByKey'] as const,
  sprints: (projectId: string) => ['sprints', projectId] as const,
  burndown: (sprintId: string) => ['burndown', sprintId] as const,
  comments: (taskId: string) => ['comments', taskId] as const,
  subtasks: (taskId: string) => ['subtasks', taskId] as const,
  /** A task's ready attachments (the task panel's list, task/Attachments.tsx). */
  attachments: (taskId: string) => ['attachments', taskId] as const,
  /** A task's history, per task version (['activity', taskId, version]). */
  activity: (taskId: string) => ['activity', taskId] as const,
};

const LAST_WORKSPACE = 'teamflow.workspace';

/** The workspace the person last used (not a secret: an id, kept across tabs). */
export const lastWorkspaceId = () => localStorage.getItem(LAST_WORKSPACE);
export const rememberWorkspace = (id: string) => localStorage.setItem(LAST_WORKSPACE, id);

export const useWorkspaces = () =>
  useQuery({
    queryKey: keys.workspaces,
    queryFn: () => api<Page<Workspace>>('/workspaces', { query: { limit: 100 } }).then((p) => p.items),
  });

const fetchProjects = (workspaceId: string) =>
  api<Page<Project>>(`/workspaces/${workspaceId}/projects`, { query: { limit: 100 } }).then((p) => p.items);

export const projectsQuery = (workspaceId: string) => ({
  queryKey: keys.projects(workspaceId),
  queryFn: () => fetchProjects(workspaceId),
});

export const useProjects = (workspaceId: string | undefined) =>
  useQuery({ ...projectsQuery(workspaceId ?? ''), enabled: !!workspaceId });

export const useMembers = (workspaceId: string | undefined) =>
  useQuery({
    queryKey: keys.members(workspaceId ?? ''),
    queryFn: () =>
      api<Page<Member>>(`/workspaces/${workspaceId}/members`, { query: { limit: 100 } }).then((p) => p.items),
    enabled: !!workspaceId,
  });

export const useLabels = (workspaceId: string | undefined) =>
  useQuery({
    queryKey: keys.labels(workspaceId ?? ''),
    queryFn: () => api<Page<Label>>(`/workspaces/${workspaceId}/labels`).then((p) => p.items),
    enabled: !!workspaceId,
  });

/**
 * Finds a project by its key. Keys are unique within a workspace, so the last used workspace is searched
 * first, then the others (a link from another workspace opens too).
 */
export async function findProjectByKey(client: QueryClient, key: string): Promise<Project | null> {
  const workspaces = await client.fetchQuery({
    queryKey: keys.workspaces,
    queryFn: () => api<Page<Workspace>>('/workspaces', { query: { limit: 100 } }).then((p) => p.items),
  });
  const last = lastWorkspaceId();
  const ordered = [...workspaces].sort((a, b) => Number(b.id === last) - Number(a.id === last));
  for (const workspace of ordered) {
    const projects = await client.fetchQuery({ ...projectsQuery(workspace.id), staleTime: 30_000 });
    const project = projects.find((p) => p.key === key);
    if (project) return project;
  }
  return null;
}

export function useProjectByKey(key: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: ['projectByKey', key],
    queryFn: () => findProjectByKey(client, key),
    staleTime: 60_000,
  });
}

export const initials = (name: string) =>
  name
    .split(/[\s@._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('') || '?';
