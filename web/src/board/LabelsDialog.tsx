import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Label } from '../../../shared/schemas/projects.ts';
import { api, ApiError, describeError } from '../lib/api.ts';
import { keys, useLabels } from '../lib/data.ts';
import { useToasts } from '../lib/toasts.tsx';
import { Modal, Spinner } from '../lib/ui.tsx';

/** Colours offered for a new label (any `#rrggbb` can be picked). */
const PALETTE = ['#3b4fd8', '#0f7b6c', '#b42318', '#9a4a00', '#7a3cc2', '#4d5562'];

/**
 * The workspace's labels: create, rename, recolour, delete (owners, admins and members; the API checks). Labels
 * belong to the workspace, so a change shows on every project's board.
 */
export function LabelsDialog({ workspaceId, onClose }: { workspaceId: string; onClose: () => void }) {
  const client = useQueryClient();
  const toasts = useToasts();
  const { data, isPending } = useLabels(workspaceId);
  const queryKey = keys.labels(workspaceId);
  const [name, setName] = useState('');
  const [color, setColor] = useState(PALETTE[0]!);
  const refresh = () => client.invalidateQueries({ queryKey });
  const failed = (what: string) => (error: unknown) => {
    if (error instanceof ApiError && error.status === 409) void refresh();
    toasts.error(`${what}: ${describeError(error)}`);
  };

  const create = useMutation({
    mutationFn: () =>
      api<Label>(`/workspaces/${workspaceId}/labels`, { method: 'POST', body: { name: name.trim(), color } }),
    onSuccess: (label) => {
      setName('');
      setColor(PALETTE[((data?.length ?? 0) + 1) % PALETTE.length]!);
      client.setQueryData<Label[]>(queryKey, (all = []) => [...all, label]);
    },
    onError: failed('The label was not created'),
  });
  const update = useMutation({
    mutationFn: ({ label, changes }: { label: Label; changes: { name?: string; color?: string } }) =>
      api<Label>(`/labels/${label.id}`, { method: 'PATCH', body: { version: label.version, ...changes } }),
    onSuccess: (saved) =>
      client.setQueryData<Label[]>(queryKey, (all = []) => all.map((l) => (l.id === saved.id ? saved : l))),
    onError: failed('The label was not saved'),
  });
  const remove = useMutation({
    mutationFn: (label: Label) =>
      api(`/labels/${label.id}`, { method: 'DELETE', query: { version: label.version } }),
    onSuccess: (_, label) => {
      client.setQueryData<Label[]>(queryKey, (all = []) => all.filter((l) => l.id !== label.id));
      toasts.show(`Label ${label.name} deleted`);
    },
    onError: failed('The label was not deleted'),
  });

  return (
    <Modal title="Labels" onClose={onClose}>
      <p className="muted">Labels are shared by every project of the workspace.</p>
      {isPending ? (
        <Spinner label="Loading the labels" />
      ) : (data ?? []).length === 0 ? (
        <p>No labels yet.</p>
      ) : (
        <ul className="plain-list label-rows">
          {(data ?? []).map((label) => (
            <LabelRow
              key={`${label.id}:${label.version}`}
              label={label}
              busy={update.isPending || remove.isPending}
              onSave={(changes) => update.mutate({ label, changes })}
              onDelete={() => {
                if (window.confirm(`Delete the label ${label.name}? It goes from every task that has it.`))
                  remove.mutate(label);
              }}
            />
          ))}
        </ul>
      )}
      <form
        className="label-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate();
        }}
      >
        <input
          aria-label="New label name"
          placeholder="New label"
          maxLength={50}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <input
          type="color"
          aria-label="New label colour"
          value={color}
          onChange={(e) => setColor(e.target.value)}
        />
        <button type="submit" className="small primary" disabled={create.isPending || !name.trim()}>
          Add label
        </button>
      </form>
      <div className="row">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

function LabelRow({
  label,
  busy,
  onSave,
  onDelete,
}: {
  label: Label;
  busy: boolean;
  onSave: (changes: { name?: string; color?: string }) => void;
  onDelete: () => void;
}) {
  const [name, setName] = useState(label.name);
  const [color, setColor] = useState(label.color);
  const changes: { name?: string; color?: string } = {};
  if (name.trim() && name.trim() !== label.name) changes.name = name.trim();
  if (color.toLowerCase() !== label.color) changes.color = color.toLowerCase();
  const changed = Object.keys(changes).length > 0;
  return (
    <li>
      <form
        className="label-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (changed) onSave(changes);
        }}
      >
        <span className="label-swatch" style={{ background: color }} aria-hidden="true" />
        <input
          aria-label={`Name of label ${label.name}`}
          maxLength={50}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <input
          type="color"
          aria-label={`Colour of label ${label.name}`}
          value={color}
          onChange={(e) => setColor(e.target.value)}
        />
        <button type="submit" className="small" disabled={busy || !changed}>
          Save<span className="visually-hidden"> label {label.name}</span>
        </button>
        <button type="button" className="small danger" disabled={busy} onClick={onDelete}>
          Delete<span className="visually-hidden"> label {label.name}</span>
        </button>
      </form>
    </li>
  );
}
