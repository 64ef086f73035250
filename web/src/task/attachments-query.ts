import type { AttachmentWithUrl } from '../../../shared/schemas/attachments.ts';
import { api } from '../lib/api.ts';
import { keys } from '../lib/data.ts';

/**
 * A task's attachments (`GET /tasks/{id}/attachments`), one cache entry per task: the panel lists them, and a
 * board card whose task has a cover but no `coverUrl` (its task came from a change's answer, a live event or the
 * change feed, which carry none) finds its cover's thumbnail URL there.
 */
export const attachmentsQuery = (taskId: string) => ({
  queryKey: keys.attachments(taskId),
  queryFn: () => api<{ items: AttachmentWithUrl[] }>(`/tasks/${taskId}/attachments`).then((r) => r.items),
});
