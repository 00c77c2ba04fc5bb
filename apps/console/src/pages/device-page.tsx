import { useEffect, useState } from 'preact/hooks';
import { useAuth } from '../api/auth-state';
import { ApiError, get, query } from '../api/client';
import { type Command, type DeviceSummary, type Page, STATUSES } from '../api/types';
import { formatAgo, formatTime, shortId } from '../components/format';
import { LiveDot } from '../components/live-dot';
import { ErrorNotice, Notice } from '../components/notice';
import { StatusBadge } from '../components/status-badge';
import { useEvents } from '../live/use-events';
import { useReloadOnReconnect } from '../live/use-reload';
import { Link, navigate } from '../router';
import { SendCommandForm } from './send-command-form';

function Presence({ summary }: { summary: DeviceSummary | null }) {
  const p = summary?.presence;
  if (!p) return <p class="muted">This ledger does not report device presence.</p>;
  return (
    <div class="presence" data-testid="presence">
      <span class={`presence-dot presence-${p.status}`} />
      <strong>{p.status}</strong>
      {p.epoch !== null && <span class="muted"> · epoch {p.epoch}</span>}
      {p.since && (
        <span class="muted" title={formatTime(p.since)}>
          {' '}
          · since {formatAgo(p.since)}
        </span>
      )}
    </div>
  );
}

/** Waiting (`requested`) commands, grouped by queue, in the order they will be sent. */
function WaitingByQueue({ waiting }: { waiting: Command[] }) {
  if (waiting.length === 0) return <p class="muted">Nothing waiting.</p>;
  const queues = new Map<string, Command[]>();
  for (const c of [...waiting].reverse()) {
    const key = c.queue?.key ?? '';
    queues.set(key, [...(queues.get(key) ?? []), c]);
  }
  return (
    <div class="queues">
      {[...queues].map(([key, commands]) => (
        <div key={key} class="queue">
          <h3>{key ? `queue “${key}”` : 'no queue'}</h3>
          <ol>
            {commands.map((c) => (
              <li key={c.commandId}>
                <Link to={`/commands/${c.commandId}`}>{c.name}</Link>{' '}
                <span class="mono muted">{shortId(c.commandId)}</span>
                {c.waiting && (
                  <span class="muted">
                    {' '}
                    —{' '}
                    {c.waiting.reason === 'device_offline'
                      ? 'device offline'
                      : c.waiting.reason === 'queued'
                        ? `behind ${shortId(c.waiting.behind)}`
                        : c.waiting.reason}
                  </span>
                )}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </div>
  );
}

export function DevicePage({ deviceId }: { deviceId: string }) {
  const auth = useAuth();
  const [summary, setSummary] = useState<DeviceSummary | null | undefined>(undefined);
  const [recent, setRecent] = useState<Command[]>([]);
  const [waiting, setWaiting] = useState<Command[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((n) => n + 1);
  const path = `/devices/${encodeURIComponent(deviceId)}`;

  useEffect(() => {
    let stale = false;
    Promise.all([
      get<DeviceSummary>(path).catch((e) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
      get<Page<Command>>(`${path}/commands${query({ limit: 15 })}`),
      get<Page<Command>>(`${path}/commands${query({ status: 'requested', limit: 100 })}`),
    ]).then(
      ([s, r, w]) => {
        if (stale) return;
        setSummary(s);
        setRecent(r.items);
        setWaiting(w.items);
        setError(null);
      },
      (e) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [deviceId, auth.epoch, reloads]);
  const live = useEvents({ deviceId }, reload, auth.epoch);
  useReloadOnReconnect(live, reload);

  return (
    <section>
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link to="/">Commands</Link> / device
          </div>
          <h1>{deviceId}</h1>
        </div>
        <LiveDot state={live} />
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      {summary === null && <Notice>No command has been issued to {deviceId} yet.</Notice>}
      <div class="columns">
        <div>
          <div class="card">
            <h2>Device</h2>
            <Presence summary={summary ?? null} />
            {summary && (
              <>
                <div class="stats">
                  <div class="stat">
                    <span class="value">{summary.total}</span>
                    <span class="label">commands</span>
                  </div>
                  <div class="stat">
                    <span class="value">
                      {summary.successRate === null
                        ? '—'
                        : `${Math.round(summary.successRate * 1000) / 10} %`}
                    </span>
                    <span class="label">executed</span>
                  </div>
                  <div class="stat">
                    <span class="value">{summary.waiting ?? summary.byStatus.requested ?? 0}</span>
                    <span class="label">waiting</span>
                  </div>
                  <div class="stat">
                    <span class="value" title={formatTime(summary.lastSeenAt)}>
                      {formatAgo(summary.lastSeenAt)}
                    </span>
                    <span class="label">last seen</span>
                  </div>
                </div>
                <div class="by-status">
                  {STATUSES.filter((s) => summary.byStatus[s]).map((s) => (
                    <span key={s}>
                      <StatusBadge status={s} /> {summary.byStatus[s]}
                    </span>
                  ))}
                </div>
              </>
            )}
          </div>
          <div class="card">
            <h2>Waiting commands</h2>
            <WaitingByQueue waiting={waiting} />
          </div>
          <div class="card table-card">
            <h2>Recent commands</h2>
            <table class="commands">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Command</th>
                  <th>Requested</th>
                  <th>Id</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((c) => (
                  <tr key={c.commandId} onClick={() => navigate(`/commands/${c.commandId}`)}>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td class="strong">{c.name}</td>
                    <td title={formatTime(c.requestedAt)}>{formatAgo(c.requestedAt)}</td>
                    <td class="mono muted">{shortId(c.commandId)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {recent.length === 0 && <p class="empty">None yet.</p>}
            <p class="more">
              <Link to={`/?device=${encodeURIComponent(deviceId)}`}>
                All commands of {deviceId} →
              </Link>
            </p>
          </div>
        </div>
        <div class="card side">
          <h2>Send a command</h2>
          <SendCommandForm deviceId={deviceId} />
        </div>
      </div>
    </section>
  );
}
