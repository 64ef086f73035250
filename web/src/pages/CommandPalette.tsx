import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import type { Task } from '../../../shared/schemas/tasks.ts';
import type { Workspace } from '../../../shared/schemas/workspaces.ts';
import { api, type Page } from '../lib/api.ts';
import { useProjects } from '../lib/data.ts';
import { Modal } from '../lib/ui.tsx';

interface Command {
  id: string;
  label: string;
  hint?: string;
  run: () => void;
}

/** The command palette (Ctrl/⌘ K): go anywhere, open a project, find a task by its words. */
export function CommandPalette({
  workspace,
  onClose,
}: {
  workspace: Workspace | undefined;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const { data: projects = [] } = useProjects(workspace?.id);
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  const found = useQuery({
    queryKey: ['search', workspace?.id, q],
    queryFn: () =>
      api<Page<Task>>(`/workspaces/${workspace?.id}/search`, { query: { q, limit: 10 } }).then(
        (p) => p.items,
      ),
    enabled: !!workspace && q.length >= 2,
  });
  const go = (to: string) => () => {
    onClose();
    navigate(to);
  };
  const commands = useMemo<Command[]>(() => {
    const all: Command[] = [
      ...(workspace
        ? [
            { id: 'projects', label: 'Go to projects', run: go(`/w/${workspace.id}`) },
            { id: 'members', label: 'Go to members', run: go(`/w/${workspace.id}/members`) },
          ]
        : []),
      { id: 'me', label: 'Go to My day', run: go('/me') },
      { id: 'goals', label: 'Go to goals', run: go('/goals') },
      ...projects.map((p) => ({
        id: `p-${p.id}`,
        label: `Open board ${p.name}`,
        hint: p.key,
        run: go(`/p/${p.key}`),
      })),
    ];
    const needle = text.trim().toLowerCase();
    const matching = needle
      ? all.filter((c) => `${c.label} ${c.hint ?? ''}`.toLowerCase().includes(needle))
      : all;
    const tasks = (found.data ?? []).map((t) => ({
      id: `t-${t.id}`,
      label: t.title,
      hint: t.key,
      run: go(`/p/${t.key.split('-')[0]}/${t.key}`),
    }));
    return [...matching, ...tasks];
  }, [workspace, projects, text, found.data]);
  const current = Math.min(active, Math.max(0, commands.length - 1));
  return (
    <Modal label="Command palette" onClose={onClose} className="palette">
      <input
        role="combobox"
        aria-label="Type a command or search tasks"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-activedescendant={commands[current] ? `cmd-${commands[current].id}` : undefined}
        value={text}
        autoFocus
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((current + 1) % Math.max(1, commands.length));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((current - 1 + commands.length) % Math.max(1, commands.length));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            commands[current]?.run();
          }
        }}
      />
      <ul id="palette-list" role="listbox" aria-label="Commands" className="palette-list">
        {commands.map((c, i) => (
          <li
            key={c.id}
            id={`cmd-${c.id}`}
            role="option"
            aria-selected={i === current}
            onClick={c.run}
            onMouseMove={() => setActive(i)}
          >
            <span>{c.label}</span>
            {c.hint && <span className="muted">{c.hint}</span>}
          </li>
        ))}
        {commands.length === 0 && (
          <li role="option" aria-selected={false} aria-disabled="true" className="muted">
            Nothing matches.
          </li>
        )}
      </ul>
    </Modal>
  );
}
