import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  ATTACHMENT_MAX_BYTES,
  attachmentTypeOf,
  coverProblem,
  type AttachmentUpload,
  type AttachmentWithUrl,
} from '../../../shared/schemas/attachments.ts';
import type { Task } from '../../../shared/schemas/tasks.ts';
import { useSession } from '../App.tsx';
import { api, ApiError, describeError } from '../lib/api.ts';
import { keys } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { applyTaskToBoard } from '../board/Board.tsx';
import { refusalOf, size } from './attachment-rules.ts';
import { attachmentsQuery } from './attachments-query.ts';

/** Download URLs live 5 minutes (functions/domain/attachments.ts): the list is read again before they expire. */
const REFRESH_MS = 4 * 60_000;
/**
 * While an image's thumbnail is being made (a second or two after its upload) the list is read this often, for
 * at most THUMBNAIL_WAIT_MS after the upload (a thumbnail held up longer shows on a later read).
 */
const THUMBNAIL_POLL_MS = 1_500;
const THUMBNAIL_WAIT_MS = 60_000;

const thumbnailPending = (items: AttachmentWithUrl[] | undefined) =>
  items?.some(
    (a) =>
      a.thumbnailStatus === 'pending' && a.readyAt && Date.now() - Date.parse(a.readyAt) < THUMBNAIL_WAIT_MS,
  ) ?? false;

/** A generic file icon: for files that are not images, and images with no thumbnail (yet, or unreadable). */
function FileIcon({ label }: { label: string }) {
  return (
    <span className="file-icon" role="img" aria-label={label}>
      <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">
        <path
          d="M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zm7 1.5V9h5.5"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.5"
          strokeLinejoin="round"
        />
      </svg>
    </span>
  );
}

/** An upload in flight: its progress, and how to stop it. */
interface Upload {
  key: number;
  name: string;
  loaded: number;
  total: number;
  state: 'uploading' | 'confirming';
  cancel: () => void;
}

class Cancelled extends Error {}

/** PUTs the file to the presigned URL with the signed headers, reporting progress; XHR, for upload progress. */
function put(
  upload: AttachmentUpload,
  file: File,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', upload.uploadUrl);
    for (const [name, value] of Object.entries(upload.uploadHeaders)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300
        ? resolve()
        : reject(new Error(`The storage refused the file (${xhr.status})`));
    xhr.onerror = () => reject(new Error('The upload failed: check your connection and try again'));
    xhr.onabort = () => reject(new Cancelled('Cancelled'));
    signal.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/**
 * A task's attachments: files dropped anywhere on the task panel (or pasted images, or picked) go straight to
 * storage with a progress bar each and can be cancelled; a file of a refused type or over a limit is refused
 * here, before anything is sent. Images show as thumbnails (made by the server, never the full image), or a
 * file icon while there is none; one of them can be made the card's cover (shown on the board).
 */
export function Attachments({ task, canEdit }: { task: Task; canEdit: boolean }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const { user } = useSession();
  const section = useRef<HTMLElement>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [refusals, setRefusals] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const nextKey = useRef(0);
  const { queryKey, queryFn } = attachmentsQuery(task.id);
  const { data = [] } = useQuery({
    queryKey,
    queryFn,
    // Read again whenever the panel opens (a list restored from the offline cache may hold expired URLs).
    staleTime: 0,
    refetchInterval: (query) => (thumbnailPending(query.state.data) ? THUMBNAIL_POLL_MS : REFRESH_MS),
  });
  const role = client
    .getQueryData<Array<{ id: string; role?: string }>>(keys.workspaces)
    ?.find((w) => w.id === task.workspaceId)?.role;
  const mayDeleteAny = role === 'owner' || role === 'admin';

  /**
   * The list, and what attachments change on the task (its count; its cover, which deleting the cover's image
   * clears) on the panel and its card.
   */
  const refresh = () => {
    void client.invalidateQueries({ queryKey });
    void api<Task>(`/tasks/${task.id}`).then((fresh) => {
      client.setQueryData<Task>(keys.task(task.id), (old) =>
        old
          ? { ...old, attachmentCount: fresh.attachmentCount, coverAttachmentId: fresh.coverAttachmentId }
          : fresh,
      );
      applyTaskToBoard(client, { ...(client.getQueryData<Task>(keys.task(task.id)) ?? fresh) });
    });
  };

  const patch = (key: number, change: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)));

  async function send(file: File, contentType: string) {
    const key = nextKey.current++;
    const controller = new AbortController();
    setUploads((all) => [
      ...all,
      {
        key,
        name: file.name,
        loaded: 0,
        total: file.size,
        state: 'uploading',
        cancel: () => controller.abort(),
      },
    ]);
    let created: AttachmentUpload | undefined;
    try {
      created = await api<AttachmentUpload>(`/tasks/${task.id}/attachments`, {
        method: 'POST',
        body: { fileName: file.name, contentType, size: file.size },
        signal: controller.signal,
      });
      await put(created, file, (loaded) => patch(key, { loaded }), controller.signal);
      patch(key, { state: 'confirming', loaded: file.size });
      await api(`/attachments/${created.id}/confirm`, { method: 'POST' });
      refresh();
    } catch (error) {
      // An upload that will not be confirmed goes now rather than when it expires.
      if (created) void api(`/attachments/${created.id}`, { method: 'DELETE' }).catch(() => undefined);
      if (!(error instanceof Cancelled) && (error as Error).name !== 'AbortError')
        setRefusals((all) => [...all, `“${file.name}”: ${describeError(error)}`]);
    } finally {
      setUploads((all) => all.filter((u) => u.key !== key));
    }
  }

  const accept = (files: File[]) => {
    if (!canEdit || files.length === 0) return;
    let used = data.reduce((sum, a) => sum + a.size, 0) + uploads.reduce((sum, u) => sum + u.total, 0);
    const refused: string[] = [];
    for (const file of files) {
      const why = refusalOf(file, used);
      if (why) {
        refused.push(why);
        continue;
      }
      used += file.size;
      void send(file, attachmentTypeOf(file.name, file.type)!);
    }
    setRefusals(refused);
  };
  const acceptRef = useRef(accept);
  acceptRef.current = accept;

  // Files dropped anywhere on the task panel, and images pasted into it (text pastes are left alone).
  useEffect(() => {
    const panel = section.current?.closest('[role="dialog"]') ?? section.current;
    if (!panel || !canEdit) return;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const over = (e: Event) => {
      if (!hasFiles(e as DragEvent)) return;
      e.preventDefault();
      setDragging(true);
    };
    const leave = (e: Event) => {
      if ((e as DragEvent).relatedTarget === null || !panel.contains((e as DragEvent).relatedTarget as Node))
        setDragging(false);
    };
    const drop = (e: Event) => {
      if (!hasFiles(e as DragEvent)) return;
      e.preventDefault();
      setDragging(false);
      acceptRef.current([...((e as DragEvent).dataTransfer?.files ?? [])]);
    };
    const paste = (e: Event) => {
      const files = [...((e as ClipboardEvent).clipboardData?.files ?? [])];
      if (files.length === 0) return;
      e.preventDefault();
      acceptRef.current(files);
    };
    panel.addEventListener('dragover', over);
    panel.addEventListener('dragleave', leave);
    panel.addEventListener('drop', drop);
    panel.addEventListener('paste', paste);
    return () => {
      panel.removeEventListener('dragover', over);
      panel.removeEventListener('dragleave', leave);
      panel.removeEventListener('drop', drop);
      panel.removeEventListener('paste', paste);
    };
  }, [canEdit]);

  const remove = useMutation({
    mutationFn: (a: AttachmentWithUrl) => api(`/attachments/${a.id}`, { method: 'DELETE' }),
    onSettled: refresh,
    onError: (error) => toasts.error(describeError(error)),
  });

  /** Makes `a` the card's cover (or, with null, removes the cover): with the latest version, once more on a race. */
  const cover = useMutation({
    mutationFn: async (a: AttachmentWithUrl | null) => {
      const patch = (version: number) =>
        api<Task>(`/tasks/${task.id}`, {
          method: 'PATCH',
          body: { version, coverAttachmentId: a?.id ?? null },
        });
      const latest = client.getQueryData<Task>(keys.task(task.id)) ?? task;
      try {
        return { saved: await patch(latest.version), a };
      } catch (error) {
        if (!(error instanceof ApiError && error.isVersionConflict)) throw error;
        const fresh = await api<Task>(`/tasks/${task.id}`);
        return { saved: await patch(fresh.version), a };
      }
    },
    onSuccess: ({ saved, a }) => {
      client.setQueryData(keys.task(task.id), saved);
      applyTaskToBoard(client, a?.thumbnailUrl ? { ...saved, coverUrl: a.thumbnailUrl } : saved);
      toasts.show(a ? `“${a.fileName}” is now the card's cover` : 'Cover removed');
    },
    onError: (error) => {
      // The server's reason about the image itself ("is not an image", "is not an attachment of this task").
      const about = error instanceof ApiError && error.details.find((d) => d.field === 'coverAttachmentId');
      toasts.error(`Cover not changed: ${about ? `the image ${about.message}` : describeError(error)}`);
      void client.invalidateQueries({ queryKey });
    },
  });

  return (
    <section
      ref={section}
      className={`panel-section attachments${dragging ? ' dropping' : ''}`}
      aria-labelledby="attachments-heading"
    >
      <div className="section-head">
        <h3 id="attachments-heading">Attachments</h3>
        {canEdit && (
          <label className="file-button">
            Attach files
            <input
              type="file"
              multiple
              className="visually-hidden"
              aria-label="Attach files"
              onChange={(e) => {
                accept([...(e.target.files ?? [])]);
                e.target.value = '';
              }}
            />
          </label>
        )}
      </div>
      {canEdit && (
        <p className="muted small-print">
          Drop files on the panel or paste an image. Up to {size(ATTACHMENT_MAX_BYTES)} a file.
        </p>
      )}
      {refusals.length > 0 && (
        <div role="alert" className="field-error attachment-refusals">
          {refusals.map((text) => (
            <p key={text}>{text}</p>
          ))}
          <button type="button" className="link-button" onClick={() => setRefusals([])}>
            Dismiss
          </button>
        </div>
      )}
      {uploads.length > 0 && (
        <ul className="uploads plain-list">
          {uploads.map((u) => (
            <li key={u.key}>
              <span className="upload-name">{u.name}</span>
              <progress
                className="progress"
                value={u.loaded}
                max={u.total}
                aria-label={`Uploading ${u.name}`}
              />
              <span className="muted">
                {u.state === 'confirming' ? 'Finishing…' : `${Math.floor((100 * u.loaded) / u.total)}%`}
              </span>
              <button type="button" className="small" onClick={u.cancel} aria-label={`Cancel ${u.name}`}>
                Cancel
              </button>
            </li>
          ))}
        </ul>
      )}
      {data.length > 0 && (
        <ul className="attachment-list plain-list">
          {data.map((a) => (
            <li key={a.id}>
              {a.thumbnailUrl ? (
                <a href={a.downloadUrl} target="_blank" rel="noreferrer" aria-label={`Open ${a.fileName}`}>
                  <img
                    className="attachment-preview"
                    src={a.thumbnailUrl}
                    alt={`Preview of ${a.fileName}`}
                    loading="lazy"
                  />
                </a>
              ) : (
                <FileIcon
                  label={
                    a.thumbnailStatus === 'pending'
                      ? `Preparing a preview of ${a.fileName}`
                      : `${a.fileName}: no preview`
                  }
                />
              )}
              <a href={a.downloadUrl} download={a.fileName} target="_blank" rel="noreferrer">
                {a.fileName}
              </a>
              <span className="muted">{size(a.size)}</span>
              {task.coverAttachmentId === a.id && <span className="cover-badge">Cover</span>}
              {canEdit &&
                !coverProblem(a, task.id) &&
                (task.coverAttachmentId === a.id ? (
                  <button
                    type="button"
                    className="small"
                    disabled={cover.isPending}
                    onClick={() => cover.mutate(null)}
                  >
                    Remove cover
                  </button>
                ) : (
                  <button
                    type="button"
                    className="small"
                    disabled={cover.isPending}
                    aria-label={`Make ${a.fileName} the cover`}
                    onClick={() => cover.mutate(a)}
                  >
                    Make cover
                  </button>
                ))}
              {canEdit && (a.uploadedBy === user?.id || mayDeleteAny) && (
                <button
                  type="button"
                  className="icon small"
                  aria-label={`Delete attachment ${a.fileName}`}
                  onClick={() => remove.mutate(a)}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
