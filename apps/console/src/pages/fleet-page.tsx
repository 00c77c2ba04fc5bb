import { useEffect, useRef, useState } from 'preact/hooks';
import { useAuth } from '../api/auth-state';
import { ApiError, get, post } from '../api/client';
import { type FleetCommand, STATUSES } from '../api/types';
import { formatTime, humanStatus } from '../components/format';
import { LiveDot } from '../components/live-dot';
import { ErrorNotice, Notice } from '../components/notice';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { useEvents } from '../live/use-events';
import { Link } from '../router';
import { fleetProgress } from './fleet-progress';
import { notAvailable } from './fleets-page';

const ENDED = ['completed', 'aborted', 'cancelled'];

export function FleetPage({ fleetCommandId }: { fleetCommandId: string }) {
  const auth = useAuth();
  const [fleet, setFleet] = useState<FleetCommand | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [reloads, setReloads] = useState(0);
  const pending = useRef<number | undefined>(undefined);
  // Many children move at once: reload at most twice a second.
  const reloadSoon = () => {
    if (pending.current === undefined)
      pending.current = window.setTimeout(() => {
        pending.current = undefined;
        setReloads((n) => n + 1);
      }, 500);
  };

  useEffect(() => {
    let stale = false;
    get<FleetCommand>(`/fleet-commands/${fleetCommandId}`).then(
      (f) => !stale && (setFleet(f), setError(null)),
      (e) => !stale && setError(e),
    );
    return () => {
      stale = true;
    };
  }, [fleetCommandId, auth.epoch, reloads]);
  const live = useEvents({ fleetCommandId }, reloadSoon, auth.epoch);

  if (error && !fleet) {
    if (
      notAvailable(error) &&
      !(error instanceof ApiError && error.messages.some((m) => m.includes(fleetCommandId)))
    ) {
      return (
        <Notice>
          <span data-testid="fleets-unavailable">
            Fleet commands are not available on this ledger.
          </span>
        </Notice>
      );
    }
    return <ErrorNotice error={error} />;
  }
  if (!fleet) return <p class="empty">Loading…</p>;
  const f = fleet;
  const p = fleetProgress(f);
  const act = (action: 'pause' | 'resume' | 'cancel') =>
    post<FleetCommand>(`/fleet-commands/${f.fleetCommandId}/${action}`).then(
      (updated) => (setFleet(updated), setActionError(null)),
      (e) => {
        setActionError(e);
        if (e instanceof ApiError && e.status === 409) setReloads((n) => n + 1);
      },
    );
  const segments = [...STATUSES]
    .reverse()
    .map((s) => ({ key: s, value: f.counts[s] ?? 0, label: humanStatus(s) }));
  return (
    <section>
      <div class="page-head">
        <div>
          <div class="crumbs">
            <Link to="/fleets">Fleet commands</Link>
          </div>
          <h1>
            {f.name} <StatusBadge status={f.status} />
          </h1>
          <div class="mono muted">{f.fleetCommandId}</div>
        </div>
        <div class="head-actions">
          <LiveDot state={live} />
          {f.status === 'rolling_out' && <button onClick={() => act('pause')}>Pause</button>}
          {f.status === 'paused' && <button onClick={() => act('resume')}>Resume</button>}
          {!ENDED.includes(f.status) && (
            <button class="danger" onClick={() => act('cancel')}>
              Cancel
            </button>
          )}
        </div>
      </div>
      {actionError ? <ErrorNotice error={actionError} /> : null}
      <div class="card">
        <div class="progress-head">
          <h2>Progress</h2>
          <span class="big" data-testid="fleet-percent">
            {p.percent} %
          </span>
        </div>
        <ProgressBar total={p.total} segments={segments} />
        <p class="muted">
          {p.done} of {p.total} devices ended
          {f.counts.not_created ? `, ${f.counts.not_created} not created yet` : ''}
        </p>
        <div class="by-status">
          {STATUSES.filter((s) => f.counts[s]).map((s) => (
            <Link key={s} to={`/?fleet=${f.fleetCommandId}&status=${s}`}>
              <StatusBadge status={s} /> {f.counts[s]}
            </Link>
          ))}
          {f.counts.not_created ? (
            <span>
              <span class="badge">not created</span> {f.counts.not_created}
            </span>
          ) : null}
        </div>
      </div>
      <div class="columns even">
        <div class="card">
          <h2>Target and caps</h2>
          <dl class="fields">
            <div class="field">
              <dt>target</dt>
              <dd>
                {f.target.group
                  ? `group ${f.target.group}`
                  : `${f.target.deviceIds?.length ?? f.targets} devices`}
                {f.target.continuous ? ' (continuous)' : ''}
              </dd>
            </div>
            <div class="field">
              <dt>per minute</dt>
              <dd>{f.rollout?.perMinute ?? 'no cap'}</dd>
            </div>
            <div class="field">
              <dt>in flight</dt>
              <dd>{f.rollout?.maxInFlight ?? 'no cap'}</dd>
            </div>
            <div class="field">
              <dt>abort</dt>
              <dd>
                {f.abort
                  ? `over ${Math.round((f.abort.maxFailureRatio ?? 0) * 100)} % failed after ${f.abort.afterCompleted ?? 0} ended`
                  : 'never'}
              </dd>
            </div>
            <div class="field">
              <dt>created</dt>
              <dd class="mono">{formatTime(f.createdAt)}</dd>
            </div>
            <div class="field">
              <dt>completed</dt>
              <dd class="mono">{formatTime(f.completedAt)}</dd>
            </div>
          </dl>
        </div>
        <div class="card">
          <h2>Children</h2>
          <p>
            <Link to={`/?fleet=${f.fleetCommandId}`}>All commands of this fleet command →</Link>
          </p>
        </div>
      </div>
    </section>
  );
}
