import { useEffect, useState } from 'preact/hooks';
import { useAuth } from '../api/auth-state';
import { ApiError, get, query } from '../api/client';
import type { FleetCommand, Page } from '../api/types';
import { formatAgo, formatTime, shortId } from '../components/format';
import { ErrorNotice, Notice } from '../components/notice';
import { ProgressBar } from '../components/progress-bar';
import { StatusBadge } from '../components/status-badge';
import { navigate } from '../router';
import { fleetProgress } from './fleet-progress';

/** A 404 on the collection: this ledger has no fleet commands (yet). */
export const notAvailable = (e: unknown) =>
  e instanceof ApiError && (e.status === 404 || e.status === 405);

export function FleetsPage() {
  const auth = useAuth();
  const [page, setPage] = useState<Page<FleetCommand> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stale = false;
    const load = () =>
      get<Page<FleetCommand>>(`/fleet-commands${query({ limit: 50 })}`).then(
        (p) => !stale && (setPage(p), setError(null)),
        (e) => !stale && setError(e),
      );
    void load();
    const timer = window.setInterval(load, 3_000);
    return () => {
      stale = true;
      window.clearInterval(timer);
    };
  }, [auth.epoch]);

  return (
    <section>
      <div class="page-head">
        <h1>Fleet commands</h1>
      </div>
      {notAvailable(error) ? (
        <Notice kind="info">
          <span data-testid="fleets-unavailable">
            Fleet commands are not available on this ledger.
          </span>
        </Notice>
      ) : error ? (
        <ErrorNotice error={error} />
      ) : null}
      {page && (
        <div class="card table-card">
          <table class="commands">
            <thead>
              <tr>
                <th>Status</th>
                <th>Command</th>
                <th>Target</th>
                <th>Progress</th>
                <th>Created</th>
                <th>Id</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((f) => {
                const p = fleetProgress(f);
                return (
                  <tr
                    key={f.fleetCommandId}
                    onClick={() => navigate(`/fleets/${f.fleetCommandId}`)}
                  >
                    <td>
                      <StatusBadge status={f.status} />
                    </td>
                    <td class="strong">{f.name}</td>
                    <td>
                      {f.target.group
                        ? `group ${f.target.group}`
                        : `${f.target.deviceIds?.length ?? f.targets} devices`}
                    </td>
                    <td class="progress-cell">
                      <ProgressBar
                        total={p.total}
                        segments={[{ key: 'executed', value: p.done, label: 'ended' }]}
                      />
                      <span class="muted">{p.percent} %</span>
                    </td>
                    <td title={formatTime(f.createdAt)}>{formatAgo(f.createdAt)}</td>
                    <td class="mono muted">{shortId(f.fleetCommandId)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {page.items.length === 0 && <p class="empty">No fleet commands yet.</p>}
        </div>
      )}
    </section>
  );
}
