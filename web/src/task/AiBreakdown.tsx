import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Job, Suggestion } from '../../../shared/schemas/ai.ts';
import type { Subtask } from '../../../shared/schemas/subtasks.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { api, ApiError, describeError } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { useJobPush, useLive } from '../live/react.tsx';

/** How often the job is read while it runs: often without a socket, rarely as a safety net with one. */
const POLL_MS = { withoutSocket: 500, withSocket: 3_000 } as const;

interface Draft {
  /** Stable per suggestion (React keys), whatever the edits and moves. */
  key: number;
  title: string;
  estimatedHours: number | null;
}

const STATUS_TEXT: Record<Job['status'], string> = {
  queued: 'Queued…',
  running: 'Breaking the task down…',
  completed: 'Done',
  failed: 'Failed',
};

/** A quota's Retry-After in words (the hourly window can be most of an hour away). */
function quotaMessage(error: unknown): string {
  if (error instanceof ApiError && error.code === 'RATE_LIMITED') {
    const minutes = Math.max(1, Math.ceil((error.retryAfterMs ?? 60_000) / 60_000));
    return `The workspace has used its AI breakdowns for now: try again in ${minutes} minute${minutes === 1 ? '' : 's'}. ${error.message}.`;
  }
  return describeError(error);
}

const draftsOf = (subtasks: Suggestion[]): Draft[] =>
  subtasks.map((s, index) => ({ key: index, title: s.title, estimatedHours: s.estimatedHours }));

/**
 * "Break down with AI" in the task panel: asks for a breakdown (a queued job), shows its progress, then a
 * preview in which each suggestion can be edited, dropped or moved (buttons, so keyboard and screen readers can),
 * and "Add N subtasks" writes the kept ones with the bulk subtasks route under one Idempotency-Key per preview:
 * a double click or a retry adds them once. Nothing is written before that.
 */
export function AiBreakdown({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const live = useLive();
  const headingId = useId();
  const [jobId, setJobId] = useState<string>();
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const idempotencyKey = useRef<string>('');
  const adding = useRef(false);
  const pushed = useJobPush(jobId);

  const start = useMutation({
    mutationFn: () => api<{ jobId: string }>(`/tasks/${task.id}/ai-breakdown`, { method: 'POST', body: {} }),
    onMutate: () => {
      setError(null);
      setDrafts(null);
    },
    onSuccess: ({ jobId: id }) => setJobId(id),
    onError: (e) => setError(quotaMessage(e)),
  });

  const polled = useQuery({
    queryKey: ['job', jobId],
    queryFn: () => api<Job>(`/jobs/${jobId}`),
    enabled: !!jobId,
    refetchInterval: (query) => {
      const status = (pushed.job ?? query.state.data)?.status;
      if (status === 'completed' || status === 'failed') return false;
      return pushed.connected ? POLL_MS.withSocket : POLL_MS.withoutSocket;
    },
  });
  // The pushed state when it is newer than the polled one (the push usually wins by a poll interval).
  const job = [pushed.job, polled.data]
    .filter((j): j is Job => !!j && j.id === jobId)
    .sort((a, b) => b.progress - a.progress)[0];

  useEffect(() => {
    if (!job || drafts) return;
    if (job.status === 'completed' && job.result) {
      setDrafts(draftsOf(job.result.subtasks));
      idempotencyKey.current = crypto.randomUUID();
    } else if (job.status === 'failed') {
      setError(`The breakdown failed: ${job.error?.message ?? 'unknown error'}. Try again.`);
      setJobId(undefined);
    }
  }, [job, drafts]);

  const accept = useMutation({
    mutationFn: (items: Draft[]) =>
      api<{ items: Subtask[] }>(`/tasks/${task.id}/subtasks`, {
        method: 'POST',
        body: { items: items.map((d) => ({ title: d.title.trim(), estimatedHours: d.estimatedHours })) },
        idempotencyKey: idempotencyKey.current,
      }),
    onSuccess: ({ items }) => {
      toasts.show(`Added ${items.length} subtask${items.length === 1 ? '' : 's'}`);
      setDrafts(null);
      setJobId(undefined);
      void client.invalidateQueries({ queryKey: keys.subtasks(task.id) });
      if (live) live.rereadTask(task.id);
      else void client.invalidateQueries({ queryKey: keys.task(task.id) });
    },
    onError: (e) => setError(describeError(e)),
    onSettled: () => {
      adding.current = false;
    },
  });

  if (!canEdit || task.deletedAt) return null;

  const running = start.isPending || (!!jobId && !drafts && job?.status !== 'failed');
  const kept = drafts?.filter((d) => d.title.trim()) ?? [];
  const move = (index: number, by: -1 | 1) =>
    setDrafts((all) => {
      if (!all) return all;
      const next = [...all];
      const [moved] = next.splice(index, 1);
      next.splice(index + by, 0, moved!);
      return next;
    });
  const edit = (index: number, title: string) =>
    setDrafts((all) => all && all.map((d, i) => (i === index ? { ...d, title } : d)));
  const drop = (index: number) => setDrafts((all) => all && all.filter((_, i) => i !== index));
  const add = () => {
    // The button is disabled once a request is out; the ref also stops a second click of the same frame.
    if (adding.current || kept.length === 0) return;
    adding.current = true;
    accept.mutate(kept);
  };

  return (
    <section className="panel-section ai-breakdown" aria-labelledby={headingId}>
      <div className="section-head">
        <h3 id={headingId}>AI breakdown</h3>
        {!running && !drafts && (
          <button type="button" className="small" onClick={() => start.mutate()}>
            Break down with AI
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {running && (
        <div role="status" aria-live="polite">
          <span>{STATUS_TEXT[job?.status ?? 'queued']}</span>{' '}
          <progress
            className="progress"
            value={job?.progress ?? 0}
            max={100}
            aria-label="Breakdown progress"
          />
        </div>
      )}
      {drafts && job?.result && (
        <div>
          <p className="muted">
            {job.result.provider === 'built-in'
              ? 'Suggested by the built-in planner from the task’s text (no AI model). Review before adding.'
              : `Suggested by ${job.result.model}. Review before adding.`}
          </p>
          <ol className="ai-suggestions" aria-label="Suggested subtasks">
            {drafts.map((d, index) => (
              <li key={d.key}>
                <input
                  aria-label={`Suggestion ${index + 1} title`}
                  value={d.title}
                  maxLength={200}
                  onChange={(e) => edit(index, e.target.value)}
                />
                {d.estimatedHours !== null && <span className="muted"> {d.estimatedHours} h</span>}
                <button
                  type="button"
                  className="icon small"
                  aria-label={`Move suggestion ${index + 1} up`}
                  disabled={index === 0}
                  onClick={() => move(index, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="icon small"
                  aria-label={`Move suggestion ${index + 1} down`}
                  disabled={index === drafts.length - 1}
                  onClick={() => move(index, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="icon small"
                  aria-label={`Drop suggestion ${index + 1}`}
                  onClick={() => drop(index)}
                >
                  ×
                </button>
              </li>
            ))}
          </ol>
          <div className="inline-form">
            <button
              type="button"
              className="primary small"
              disabled={accept.isPending || kept.length === 0}
              onClick={add}
            >
              Add {kept.length} subtask{kept.length === 1 ? '' : 's'}
            </button>
            <button
              type="button"
              className="small"
              disabled={accept.isPending}
              onClick={() => {
                setDrafts(null);
                setJobId(undefined);
              }}
            >
              Discard
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
