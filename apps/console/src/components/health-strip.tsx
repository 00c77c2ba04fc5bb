import { useEffect, useState } from 'preact/hooks';
import type { Readiness } from '../api/types';
import { formatMs } from './format';

/** `GET /health/ready` (open, no token) every 5 s: broker, store, projections and their lag. */
async function readReadiness(): Promise<Readiness | null> {
  try {
    const res = await fetch('/health/ready', { headers: { accept: 'application/json' } });
    const body = (await res.json()) as {
      checks?: Record<string, string>;
      details?: { projections?: { lag?: Readiness['lag'] } };
      message?: string[];
    };
    if (res.ok) {
      return {
        ok: true,
        checks: Object.fromEntries(Object.keys(body.checks ?? {}).map((k) => [k, 'up' as const])),
        messages: [],
        lag: body.details?.projections?.lag ?? {},
      };
    }
    const messages = body.message ?? [`HTTP ${res.status}`];
    const down = new Set(messages.map((m) => m.split(' ')[0]));
    return {
      ok: false,
      checks: Object.fromEntries(
        ['store', 'broker', 'projections'].map((k) => [k, down.has(k) ? 'down' : 'up']),
      ),
      messages,
      lag: {},
    };
  } catch {
    return null;
  }
}

export function HealthStrip() {
  const [health, setHealth] = useState<Readiness | null | undefined>(undefined);
  useEffect(() => {
    let stop = false;
    const tick = async () => {
      const r = await readReadiness();
      if (!stop) setHealth(r);
    };
    void tick();
    const timer = window.setInterval(tick, 5_000);
    return () => {
      stop = true;
      window.clearInterval(timer);
    };
  }, []);
  if (health === undefined) return <div class="health" />;
  if (health === null) {
    return (
      <div class="health" data-testid="health">
        <span class="check down">
          <span class="dot" />
          ledger unreachable
        </span>
      </div>
    );
  }
  const lags = Object.values(health.lag);
  const lagMs = lags.reduce((a, l) => Math.max(a, l.ms), 0);
  const lagEvents = lags.reduce((a, l) => Math.max(a, l.events), 0);
  return (
    <div class="health" data-testid="health" title={health.messages.join('\n')}>
      {['broker', 'store', 'projections'].map((name) => (
        <span key={name} class={`check ${health.checks[name] ?? 'up'}`}>
          <span class="dot" />
          {name}
        </span>
      ))}
      <span class="check lag">
        lag{' '}
        {lags.length === 0
          ? '—'
          : lagEvents === 0
            ? '0'
            : `${lagEvents} events · ${formatMs(lagMs)}`}
      </span>
      {!health.ok && <span class="health-message">{health.messages.join('; ')}</span>}
    </div>
  );
}
