import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useAuth } from '../api/auth-state';
import { ApiError, get, post } from '../api/client';
import type { Command, History } from '../api/types';
import { formatTime, shortId } from '../components/format';
import { JsonView } from '../components/json-view';
import { LiveDot } from '../components/live-dot';
import { ErrorNotice, Notice } from '../components/notice';
import { StatusBadge } from '../components/status-badge';
import { useEvents } from '../live/use-events';
import { useReloadOnReconnect } from '../live/use-reload';
import { Link } from '../router';
import { Timeline } from './timeline';

function Waiting({ c }: { c: Command }) {
  if (!c.waiting) return null;
  const why =
    c.waiting.reason === 'device_offline' ? (
      <>
        its device <Link to={`/devices/${encodeURIComponent(c.deviceId)}`}>{c.deviceId}</Link> is
        offline; it is sent when the device comes back
      </>
    ) : c.waiting.reason === 'queued' && c.waiting.behind ? (
      <>
        it is queued{c.queue ? <> in “{c.queue.key}”</> : null} behind{' '}
        <Link to={`/commands/${c.waiting.behind}`}>{shortId(c.waiting.behind)}</Link>, which has not
        ended
      </>
    ) : (
      <>{c.waiting.reason}</>
    );
  return (
    <Notice kind="warn">
      <strong>Waiting:</strong> {why}.
    </Notice>
  );
}

function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

export function CommandPage({ commandId }: { commandId: string }) {
  const auth = useAuth();
  const [command, setCommand] = useState<Command | null>(null);
  const [history, setHistory] = useState<History | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((n) => n + 1);

  useEffect(() => {
    let stale = false;
    Promise.all([
      get<Command>(`/commands/${commandId}`),
      get<History>(`/commands/${commandId}/history`),
    ]).then(
      ([c, h]) => {
        if (stale) return;
        setCommand(c);
        setHistory(h);
        setError(null);
      },
      (e) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [commandId, auth.epoch, reloads]);
  const live = useEvents({ commandId }, reload, auth.epoch);
  useReloadOnReconnect(live, reload);

  if (error && !command) {
    return error instanceof ApiError && error.status === 404 ? (
      <Notice kind="warn">No command {commandId} on this ledger.</Notice>
    ) : (
      <ErrorNotice error={error} />
    );
  }
  if (!command || !history) return <p class="empty">Loading…</p>;
  const c = command;
  return (
    <section>
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link to="/">Commands</Link> /{' '}
            <Link to={`/devices/${encodeURIComponent(c.deviceId)}`}>{c.deviceId}</Link>
          </div>
          <h1>
            {c.name} <StatusBadge status={c.status} />
          </h1>
          <div class="mono muted">{c.commandId}</div>
        </div>
        <div class="head-actions">
          <LiveDot state={live} />
          {c.status === 'requested' && (
            <button
              class="danger"
              onClick={() =>
                post<Command>(`/commands/${c.commandId}/cancel`).then((updated) => {
                  setCommand(updated);
                  setActionError(null);
                  reload();
                }, setActionError)
              }
            >
              Cancel
            </button>
          )}
        </div>
      </div>
      {actionError ? <ErrorNotice error={actionError} /> : null}
      <Waiting c={c} />
      <div class="columns">
        <div class="card">
          <h2>Timeline</h2>
          <Timeline command={c} events={history.events} />
        </div>
        <div class="card side">
          <h2>Command</h2>
          <dl class="fields">
            <Field label="device">
              <Link to={`/devices/${encodeURIComponent(c.deviceId)}`}>{c.deviceId}</Link>
            </Field>
            <Field label="attempt">
              {c.attempt}
              {c.retryOf && (
                <>
                  {' '}
                  · retry of <Link to={`/commands/${c.retryOf}`}>{shortId(c.retryOf)}</Link>
                </>
              )}
              {c.retriedBy && (
                <>
                  {' '}
                  · retried by <Link to={`/commands/${c.retriedBy}`}>{shortId(c.retriedBy)}</Link>
                </>
              )}
            </Field>
            {c.fleetCommandId && (
              <Field label="fleet command">
                <Link to={`/fleets/${c.fleetCommandId}`}>{shortId(c.fleetCommandId)}</Link>
              </Field>
            )}
            {c.delivery && <Field label="delivery">{c.delivery.replace('_', ' ')}</Field>}
            {c.queue && (
              <Field label="queue">
                {c.queue.key}
                {c.queue.supersede ? ' (supersedes)' : ''}
              </Field>
            )}
            {c.supersededBy && (
              <Field label="superseded by">
                <Link to={`/commands/${c.supersededBy}`}>{shortId(c.supersededBy)}</Link>
              </Field>
            )}
            <Field label="requested">
              <span class="mono">{formatTime(c.requestedAt)}</span>
            </Field>
            <Field label="sent">
              <span class="mono">{formatTime(c.sentAt)}</span>
            </Field>
            <Field label="acknowledged">
              <span class="mono">{formatTime(c.acknowledgedAt)}</span>
            </Field>
            <Field label="completed">
              <span class="mono">{formatTime(c.completedAt)}</span>
            </Field>
          </dl>
          <h3>Payload</h3>
          <JsonView value={c.payload} />
          {(c.result !== null || c.error) && (
            <>
              <h3>Result</h3>
              {c.error && <p class="error-text">{c.error}</p>}
              {c.result !== null && <JsonView value={c.result} />}
            </>
          )}
          {c.lateResult && (
            <>
              <h3>Late result</h3>
              <p>
                <StatusBadge status={c.lateResult.status} /> at{' '}
                <span class="mono">{formatTime(c.lateResult.at)}</span>
              </p>
              {c.lateResult.output !== undefined && <JsonView value={c.lateResult.output} />}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
