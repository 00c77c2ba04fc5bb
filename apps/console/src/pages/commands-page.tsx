import { useEffect, useState } from 'preact/hooks';
import { useAuth } from '../api/auth-state';
import { ApiError, get, query } from '../api/client';
import { type Command, type Page, STATUSES, TERMINAL, type Transition } from '../api/types';
import { formatAgo, formatTime, shortId } from '../components/format';
import { LiveDot } from '../components/live-dot';
import { ErrorNotice, Notice } from '../components/notice';
import { StatusBadge } from '../components/status-badge';
import { useEvents } from '../live/use-events';
import { useReloadOnReconnect } from '../live/use-reload';
import { Link, navigate, useLocation } from '../router';

const PAGE_SIZE = 25;
/** The API has no name filter: with one set, pages are scanned for matches, up to this many rows. */
const NAME_SCAN_LIMIT = 1_000;

interface Filters {
  readonly device: string;
  readonly status: string;
  readonly name: string;
  readonly fleet: string;
}

async function loadPage(
  f: Filters,
  after: string | null,
): Promise<{ items: Command[]; next: string | null; scanned: number }> {
  const base = { deviceId: f.device, status: f.status, fleetCommandId: f.fleet };
  if (!f.name) {
    const page = await get<Page<Command>>(
      `/commands${query({ ...base, limit: PAGE_SIZE, after })}`,
    );
    return { ...page, scanned: page.items.length };
  }
  const items: Command[] = [];
  let cursor = after;
  let scanned = 0;
  const needle = f.name.toLowerCase();
  for (;;) {
    const page = await get<Page<Command>>(
      `/commands${query({ ...base, limit: 200, after: cursor })}`,
    );
    scanned += page.items.length;
    for (const c of page.items) {
      if (c.name.toLowerCase().includes(needle)) items.push(c);
    }
    cursor = page.next;
    if (items.length >= PAGE_SIZE || !cursor || scanned >= NAME_SCAN_LIMIT)
      return { items, next: cursor, scanned };
  }
}

const matches = (f: Filters, c: Command) =>
  (!f.device || c.deviceId === f.device) &&
  (!f.status || c.status === f.status) &&
  (!f.name || c.name.toLowerCase().includes(f.name.toLowerCase())) &&
  (!f.fleet || c.fleetCommandId === f.fleet);

export function CommandsPage() {
  const { search } = useLocation();
  const auth = useAuth();
  const filters: Filters = {
    device: search.get('device') ?? '',
    status: search.get('status') ?? '',
    name: search.get('name') ?? '',
    fleet: search.get('fleet') ?? '',
  };
  const key = JSON.stringify(filters);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [rows, setRows] = useState<Command[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [scanned, setScanned] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [flash, setFlash] = useState<Record<string, number>>({});
  const [reloads, setReloads] = useState(0);
  const after = cursors[cursors.length - 1] ?? null;
  const firstPage = cursors.length === 1;

  useEffect(() => setCursors([null]), [key]);
  useEffect(() => {
    let stale = false;
    loadPage(filters, after).then(
      (page) => {
        if (stale) return;
        setRows(page.items);
        setNext(page.next);
        setScanned(page.scanned);
        setError(null);
      },
      (e) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [key, after, auth.epoch, reloads]);

  const onTransition = (t: Transition) => {
    setRows((current) => {
      if (!current) return current;
      const i = current.findIndex((c) => c.commandId === t.commandId);
      if (i >= 0) {
        if (current[i]!.revision >= t.revision) return current;
        const updated = [...current];
        const was = current[i]!;
        const status = t.status ?? was.status;
        updated[i] = {
          ...was,
          status,
          revision: t.revision,
          // The stream's time of the event: close to the API's own (which is the decision's).
          completedAt: was.completedAt ?? (TERMINAL.includes(status) ? t.at : null),
        };
        return updated;
      }
      if (firstPage && t.type === 'CommandRequested') {
        // A new command: fetched whole (name, payload) and put on top if the filters take it.
        get<Command>(`/commands/${t.commandId}`).then(
          (c) =>
            matches(filters, c) &&
            setRows((rs) =>
              rs && !rs.some((r) => r.commandId === c.commandId)
                ? [c, ...rs].slice(0, PAGE_SIZE)
                : rs,
            ),
          () => undefined,
        );
      }
      return current;
    });
    const mark = Date.now();
    setFlash((f) => ({ ...f, [t.commandId]: mark }));
    window.setTimeout(
      () =>
        setFlash((f) =>
          f[t.commandId] === mark
            ? Object.fromEntries(Object.entries(f).filter(([id]) => id !== t.commandId))
            : f,
        ),
      1_500,
    );
  };
  const live = useEvents(
    { deviceId: filters.device || null, fleetCommandId: filters.fleet || null },
    onTransition,
    auth.epoch,
  );
  useReloadOnReconnect(live, () => setReloads((n) => n + 1));

  const setFilter = (name: keyof Filters, value: string) => {
    const q = new URLSearchParams(search);
    if (value) q.set(name, value);
    else q.delete(name);
    const s = q.toString();
    navigate(s ? `/?${s}` : '/', true);
  };
  const fleetUnsupported =
    error instanceof ApiError &&
    error.status === 400 &&
    error.messages.some((m) => m.includes('fleetCommandId'));

  return (
    <section>
      <div class="page-head">
        <h1>Commands</h1>
        <LiveDot state={live} />
      </div>
      <form class="filters card" onSubmit={(e) => e.preventDefault()}>
        <label>
          Device
          <input
            name="device"
            value={filters.device}
            placeholder="any"
            onChange={(e) => setFilter('device', (e.target as HTMLInputElement).value.trim())}
          />
        </label>
        <label>
          Status
          <select
            name="status"
            value={filters.status}
            onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            name="name"
            value={filters.name}
            placeholder="any"
            onChange={(e) => setFilter('name', (e.target as HTMLInputElement).value.trim())}
          />
        </label>
        <label>
          Fleet command
          <input
            name="fleet"
            value={filters.fleet}
            placeholder="any"
            onChange={(e) => setFilter('fleet', (e.target as HTMLInputElement).value.trim())}
          />
        </label>
        {(filters.device || filters.status || filters.name || filters.fleet) && (
          <button type="button" class="link" onClick={() => navigate('/', true)}>
            Clear
          </button>
        )}
      </form>
      {fleetUnsupported ? (
        <Notice kind="warn">This ledger cannot filter by fleet command yet.</Notice>
      ) : error ? (
        <ErrorNotice error={error} />
      ) : null}
      {filters.name && rows && (
        <p class="hint">
          The API filters by name on no index: {scanned} commands scanned for “{filters.name}”.
        </p>
      )}
      <div class="card table-card">
        <table class="commands" data-testid="commands-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Command</th>
              <th>Device</th>
              <th>Requested</th>
              <th>Completed</th>
              <th class="num">Attempt</th>
              <th>Id</th>
            </tr>
          </thead>
          <tbody>
            {rows?.map((c) => (
              <tr
                key={c.commandId}
                data-command-id={c.commandId}
                class={flash[c.commandId] ? 'flash' : ''}
                onClick={() => navigate(`/commands/${c.commandId}`)}
              >
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td class="strong">{c.name}</td>
                <td onClick={(e) => e.stopPropagation()}>
                  <Link to={`/devices/${encodeURIComponent(c.deviceId)}`}>{c.deviceId}</Link>
                </td>
                <td title={formatTime(c.requestedAt)}>{formatAgo(c.requestedAt)}</td>
                <td title={formatTime(c.completedAt)}>
                  {c.completedAt ? formatAgo(c.completedAt) : '—'}
                </td>
                <td class="num">{c.attempt}</td>
                <td class="mono muted">{shortId(c.commandId)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows && rows.length === 0 && (
          <p class="empty">
            No commands
            {filters.device || filters.status || filters.name || filters.fleet
              ? ' match these filters'
              : ' yet'}
            .
          </p>
        )}
        {rows === null && !error && <p class="empty">Loading…</p>}
        <div class="pager">
          <button disabled={firstPage} onClick={() => setCursors((cs) => cs.slice(0, -1))}>
            ← Newer
          </button>
          <span class="muted">page {cursors.length}</span>
          <button disabled={!next} onClick={() => setCursors((cs) => [...cs, next])}>
            Older →
          </button>
        </div>
      </div>
    </section>
  );
}
