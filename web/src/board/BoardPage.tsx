import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { Link, NavLink, useNavigate, useParams, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Sprint } from '../../../shared/schemas/sprints.ts';
import { api, type Page } from '../lib/api.ts';
import { useNarrow } from '../lib/use-narrow.ts';
import {
  keys,
  rememberWorkspace,
  useLabels,
  useMembers,
  useProjectByKey,
  useWorkspaces,
} from '../lib/data.ts';
import { ErrorState, Modal, Spinner } from '../lib/ui.tsx';
import { BoardPeople, BoardPeopleContext, LiveIndicator, useLiveProject } from '../live/react.tsx';
import { localDate, PRIORITY_TITLES } from './board-logic.ts';
import { Board } from './Board.tsx';
import type { CardLookups } from './Card.tsx';
import {
  filtersFromParams,
  hasFilters,
  paramsWithFilters,
  selectFilterCount,
  type BoardFilters,
} from './filters.ts';

// The task panel (markdown, forms) and the other views are chunks of their own: the board loads without them.
const TaskDetail = lazy(() => import('../task/TaskDetail.tsx').then((m) => ({ default: m.TaskDetail })));
const ListView = lazy(() => import('./ListView.tsx').then((m) => ({ default: m.ListView })));
const SprintsView = lazy(() => import('./SprintsView.tsx').then((m) => ({ default: m.SprintsView })));
const CalendarView = lazy(() => import('./CalendarView.tsx').then((m) => ({ default: m.CalendarView })));
const LabelsDialog = lazy(() => import('./LabelsDialog.tsx').then((m) => ({ default: m.LabelsDialog })));

export type View = 'board' | 'list' | 'calendar' | 'sprints';

export function BoardPage({ view }: { view: View }) {
  const { projectKey = '', taskKey } = useParams();
  const project = useProjectByKey(projectKey);
  const { data: workspaces } = useWorkspaces();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const workspaceId = project.data?.workspaceId;
  const { data: members } = useMembers(workspaceId);
  const { data: labels } = useLabels(workspaceId);
  const [help, setHelp] = useState(false);
  const [managingLabels, setManagingLabels] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const narrow = useNarrow();
  const navigate = useNavigate();
  // Every view of the project (board, list, calendar, sprints, an open task) follows it live.
  const live = useLiveProject(project.data?.id);
  // Someone on the board the members list does not know yet (they joined since it was read): read it again,
  // once per newcomer, so their avatar has a name.
  const client = useQueryClient();
  const askedFor = useRef(new Set<string>());
  useEffect(() => {
    if (!members || !workspaceId) return;
    const known = new Set(members.map((m) => m.userId));
    const newcomers = live.people.filter((p) => !known.has(p.userId) && !askedFor.current.has(p.userId));
    if (newcomers.length === 0) return;
    for (const p of newcomers) askedFor.current.add(p.userId);
    void client.invalidateQueries({ queryKey: keys.members(workspaceId) });
  }, [client, live.people, members, workspaceId]);
  useEffect(() => {
    if (workspaceId) rememberWorkspace(workspaceId);
  }, [workspaceId]);

  // Keyboard shortcuts: c creates, / searches, ? shows the list, Escape leaves the task panel.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest('input, textarea, select, [contenteditable="true"], dialog')) return;
      if (event.key === '/') {
        event.preventDefault();
        searchRef.current?.focus();
      } else if (event.key === 'c') {
        event.preventDefault();
        if (view !== 'board') navigate(`/p/${projectKey}`);
        setTimeout(() => window.dispatchEvent(new CustomEvent('teamflow:quick-add', { detail: 'todo' })));
      } else if (event.key === '?') setHelp(true);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [navigate, projectKey, view]);

  const lookups = useMemo<CardLookups>(
    () => ({
      members: new Map((members ?? []).map((m) => [m.userId, m])),
      labels: new Map((labels ?? []).map((l) => [l.id, l])),
      today: localDate(),
      projectKey,
    }),
    [members, labels, projectKey],
  );

  if (project.isPending) return <Spinner label="Loading the board" />;
  if (project.error) return <ErrorState error={project.error} />;
  if (!project.data)
    return (
      <section className="empty-page">
        <h1>No project {projectKey}</h1>
        <p>It may have been deleted or archived, or you are not a member of its workspace.</p>
        <Link to="/">Go to your projects</Link>
      </section>
    );
  const p = project.data;
  const role = workspaces?.find((w) => w.id === p.workspaceId)?.role;
  const canEdit = role !== 'viewer' && !p.archived;
  const setFilters = (next: BoardFilters) => setParams(paramsWithFilters(params, next), { replace: true });
  const query = params.toString() ? `?${params.toString()}` : '';

  return (
    <section className="board-page">
      <div className="board-head">
        <p className="eyebrow">
          <Link to={`/w/${p.workspaceId}`}>Projects</Link> / {p.key}
        </p>
        <div className="board-title-row">
          <h1>{p.name}</h1>
          <div className="board-live">
            <BoardPeople people={live.people} lookups={lookups} />
            <LiveIndicator status={live.status} />
          </div>
        </div>
        {p.archived && <p className="banner">This project is archived: it is read-only.</p>}
      </div>
      <div className="toolbar" role="toolbar" aria-label="Board tools">
        <nav aria-label="Views" className="view-switch">
          <NavLink to={`/p/${p.key}${query}`} end>
            Board
          </NavLink>
          <NavLink to={`/p/${p.key}/list${query}`}>List</NavLink>
          <NavLink to={`/p/${p.key}/calendar${query}`}>Calendar</NavLink>
          <NavLink to={`/p/${p.key}/sprints`}>Sprints</NavLink>
        </nav>
        <SearchBox
          inputRef={searchRef}
          value={filters.q ?? ''}
          onChange={(q) => setFilters({ ...filters, q })}
        />
        {narrow ? (
          <FilterSheetButton
            filters={filters}
            onChange={setFilters}
            lookups={lookups}
            projectId={p.id}
            onHelp={() => setHelp(true)}
            onLabels={canEdit ? () => setManagingLabels(true) : undefined}
          />
        ) : (
          <FilterBar
            filters={filters}
            onChange={setFilters}
            lookups={lookups}
            projectId={p.id}
            onHelp={() => setHelp(true)}
            onLabels={canEdit ? () => setManagingLabels(true) : undefined}
          />
        )}
      </div>
      <BoardPeopleContext.Provider value={live.people}>
        <Suspense fallback={<Spinner />}>
          {view === 'board' && <Board project={p} filters={filters} lookups={lookups} canEdit={canEdit} />}
          {view === 'list' && <ListView project={p} filters={filters} lookups={lookups} />}
          {view === 'sprints' && <SprintsView project={p} lookups={lookups} canEdit={canEdit} />}
          {view === 'calendar' && (
            <CalendarView project={p} filters={filters} lookups={lookups} canEdit={canEdit} />
          )}
        </Suspense>
        {taskKey && (
          <Suspense fallback={null}>
            <TaskDetail
              project={p}
              taskKey={taskKey}
              lookups={lookups}
              canEdit={canEdit}
              boardFilters={filters}
              onClose={() => navigate(`/p/${p.key}${query}`)}
            />
          </Suspense>
        )}
      </BoardPeopleContext.Provider>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      {managingLabels && (
        <Suspense fallback={null}>
          <LabelsDialog workspaceId={p.workspaceId} onClose={() => setManagingLabels(false)} />
        </Suspense>
      )}
    </section>
  );
}

function SearchBox({
  value,
  onChange,
  inputRef,
}: {
  value: string;
  onChange: (q: string | undefined) => void;
  inputRef: React.RefObject<HTMLInputElement | null>;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => onChange(text.trim() || undefined), 300);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  return (
    <input
      ref={inputRef}
      type="search"
      className="search"
      aria-label="Search tasks"
      placeholder="Search tasks  /"
      value={text}
      onChange={(e) => setText(e.target.value)}
    />
  );
}

interface FilterBarProps {
  filters: BoardFilters;
  onChange: (f: BoardFilters) => void;
  lookups: CardLookups;
  projectId: string;
  onHelp: () => void;
  /** Opens the label manager (absent for a person who cannot change labels). */
  onLabels?: () => void;
}

/** The filter selects, then Clear filters, Manage labels and the shortcut list, in one row (desktop). */
function FilterBar({ filters, onChange, lookups, projectId, onHelp, onLabels }: FilterBarProps) {
  return (
    <div className="filters">
      <FilterSelects filters={filters} onChange={onChange} lookups={lookups} projectId={projectId} />
      {hasFilters(filters) && (
        <button type="button" className="small" onClick={() => onChange({})}>
          Clear filters
        </button>
      )}
      {onLabels && (
        <button type="button" className="small" onClick={onLabels}>
          Manage labels
        </button>
      )}
      <button type="button" className="small icon" aria-label="Keyboard shortcuts" onClick={onHelp}>
        ?
      </button>
    </div>
  );
}

/**
 * On a narrow screen: one "Filters" button (its badge counts the set filters) opening the same selects, Clear
 * filters, Manage labels and the shortcut list in a sheet. A choice applies at once (the URL keeps it).
 */
function FilterSheetButton({ filters, onChange, lookups, projectId, onHelp, onLabels }: FilterBarProps) {
  const [open, setOpen] = useState(false);
  const count = selectFilterCount(filters);
  const then = (action: () => void) => () => {
    setOpen(false);
    action();
  };
  return (
    <>
      <button
        type="button"
        className="filters-button"
        aria-label={count ? `Filters, ${count} active` : 'Filters'}
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        Filters
        {count > 0 && (
          <span className="count-badge" aria-hidden="true">
            {count}
          </span>
        )}
      </button>
      {open && (
        <Modal title="Filters" className="sheet" onClose={() => setOpen(false)}>
          <div className="filters">
            <FilterSelects filters={filters} onChange={onChange} lookups={lookups} projectId={projectId} />
          </div>
          <div className="row sheet-actions">
            {count > 0 && (
              <button type="button" onClick={() => onChange({ q: filters.q })}>
                Clear filters
              </button>
            )}
            {onLabels && (
              <button type="button" onClick={then(onLabels)}>
                Manage labels
              </button>
            )}
            <button type="button" onClick={then(onHelp)}>
              Keyboard shortcuts
            </button>
            <button type="button" className="primary" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </Modal>
      )}
    </>
  );
}

function FilterSelects({
  filters,
  onChange,
  lookups,
  projectId,
}: Pick<FilterBarProps, 'filters' | 'onChange' | 'lookups' | 'projectId'>) {
  // Sprints are fetched when the sprint filter is first used (or set by the URL): one request less per board.
  const [wantSprints, setWantSprints] = useState(!!filters.sprint);
  const sprints = useQuery({
    enabled: wantSprints || !!filters.sprint,
    queryKey: ['sprints', projectId],
    queryFn: () =>
      api<Page<Sprint>>(`/projects/${projectId}/sprints`, { query: { limit: 100 } }).then((p) => p.items),
  });
  const set = (key: keyof BoardFilters) => (event: React.ChangeEvent<HTMLSelectElement>) =>
    onChange({ ...filters, [key]: event.target.value || undefined });
  return (
    <>
      <select aria-label="Assignee" value={filters.assignee ?? ''} onChange={set('assignee')}>
        <option value="">Anyone</option>
        {[...lookups.members.values()].map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.name || m.email}
          </option>
        ))}
      </select>
      <select aria-label="Label" value={filters.label ?? ''} onChange={set('label')}>
        <option value="">Any label</option>
        {[...lookups.labels.values()].map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
      <select aria-label="Priority" value={filters.priority ?? ''} onChange={set('priority')}>
        <option value="">Any priority</option>
        {Object.entries(PRIORITY_TITLES).map(([value, title]) => (
          <option key={value} value={value}>
            {title}
          </option>
        ))}
      </select>
      <select
        aria-label="Sprint"
        value={filters.sprint ?? ''}
        onChange={set('sprint')}
        onFocus={() => setWantSprints(true)}
        onPointerDown={() => setWantSprints(true)}
      >
        <option value="">Any sprint</option>
        <option value="none">Backlog (no sprint)</option>
        {(sprints.data ?? [])
          .filter((s) => s.status !== 'completed')
          .map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
      </select>
      <select aria-label="Due" value={filters.due ?? ''} onChange={set('due')}>
        <option value="">Any due date</option>
        <option value="overdue">Overdue</option>
        <option value="today">Due today</option>
        <option value="week">Due this week</option>
      </select>
    </>
  );
}

function ShortcutHelp({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <dl className="shortcuts">
        <dt>
          <kbd>c</kbd>
        </dt>
        <dd>Create a task in To do</dd>
        <dt>
          <kbd>/</kbd>
        </dt>
        <dd>Search tasks</dd>
        <dt>
          <kbd>?</kbd>
        </dt>
        <dd>This list</dd>
        <dt>
          <kbd>Tab</kbd>
        </dt>
        <dd>Move focus to the board, then between a card and its link</dd>
        <dt>
          <kbd>Arrow keys</kbd>
        </dt>
        <dd>
          Move focus between cards: up and down within a column, left and right to the nearest card of the
          next column. On the calendar: left and right to the previous or next day with tasks, up and down
          within a day, then on to the week above or below
        </dd>
        <dt>
          <kbd>Enter</kbd>
        </dt>
        <dd>Open the focused card</dd>
        <dt>
          <kbd>Space</kbd> then arrows
        </dt>
        <dd>
          Pick up a focused card, move it, Space again to drop (Escape cancels). Works the same on the sprint
          plan (backlog ⇄ sprint) and the calendar (arrows move a day or a week)
        </dd>
        <dt>
          <kbd>Esc</kbd>
        </dt>
        <dd>Close the task panel or a dialog</dd>
      </dl>
      <button type="button" className="primary" onClick={onClose}>
        Close
      </button>
    </Modal>
  );
}
