import type { Command, HistoryEvent } from '../api/types';
import { formatOffset, formatTime, humanEvent } from '../components/format';
import { Link } from '../router';

/** What an event's data says besides its time, in words. */
function detail(e: HistoryEvent): string | null {
  const d = e.data;
  switch (e.type) {
    case 'CommandTimedOut':
      return d.stage === 'ack' ? 'no acknowledgement in time' : 'no result in time';
    case 'CommandCancelled':
      return d.reason ? `reason: ${String(d.reason)}` : null;
    case 'CommandFailed':
      return d.error ? `error: ${String(d.error)}` : null;
    case 'CommandLateResultObserved':
      return `the device reported ${String(d.status)}${d.error ? ` (${String(d.error)})` : ''}`;
    default:
      return null;
  }
}

function Facts({ e }: { e: HistoryEvent }) {
  const m = e.metadata;
  const facts: Array<[string, string]> = [];
  if (m.source) facts.push(['source', m.source]);
  if (m.instanceId) facts.push(['instance', m.instanceId]);
  if (m.issuedBy) facts.push(['issued by', m.issuedBy]);
  if (m.epoch !== undefined && m.epoch !== null) facts.push(['epoch', String(m.epoch)]);
  if (m.mqtt) {
    facts.push(['topic', m.mqtt.topic]);
    facts.push(['qos', String(m.mqtt.qos)]);
    if (m.mqtt.messageId !== undefined) facts.push(['packet', String(m.mqtt.messageId)]);
    if (m.mqtt.dup) facts.push(['dup', 'yes']);
    if (m.mqtt.retain) facts.push(['retain', 'yes']);
  }
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div key={k} class="fact">
          <dt>{k}</dt>
          <dd class={k === 'topic' || k === 'instance' ? 'mono' : ''}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Every event of the command's stream, oldest first, with its provenance. */
export function Timeline({ command, events }: { command: Command; events: HistoryEvent[] }) {
  const start = events[0]?.recordedAt ?? command.requestedAt;
  const closing = events.find((e) =>
    ['CommandTimedOut', 'CommandCancelled', 'CommandExpired'].includes(e.type),
  );
  return (
    <ol class="timeline" data-testid="timeline">
      {events.map((e) => {
        const late = e.type === 'CommandLateResultObserved';
        const text = detail(e);
        return (
          <li
            key={e.revision}
            class={`event type-${e.type}${late ? ' late' : ''}`}
            data-type={e.type}
          >
            <div class="when">
              <span class="time mono">{formatTime(e.recordedAt)}</span>
              <span class="offset muted">
                {e.revision === 0 ? 'start' : formatOffset(start, e.recordedAt)}
              </span>
            </div>
            <div class="marker" aria-hidden="true" />
            <div class="what">
              <div class="title">
                <span class="rev mono">r{e.revision}</span> {humanEvent(e.type)}
                {text && <span class="detail"> — {text}</span>}
              </div>
              {late && closing && (
                <p class="late-note">
                  Kept as evidence: it arrived after “{humanEvent(closing.type).toLowerCase()}” (r
                  {closing.revision}), which it contradicts; the status stays{' '}
                  {command.status.replace('_', ' ')}.
                </p>
              )}
              {e.type === 'CommandRequested' && command.retryOf && (
                <p class="muted">
                  Retry (attempt {command.attempt}) of{' '}
                  <Link to={`/commands/${command.retryOf}`}>{command.retryOf}</Link>
                </p>
              )}
              <Facts e={e} />
            </div>
          </li>
        );
      })}
      {command.retriedBy && (
        <li class="event retried">
          <div class="when" />
          <div class="marker" aria-hidden="true" />
          <div class="what">
            <div class="title">
              Retried as{' '}
              <Link to={`/commands/${command.retriedBy}`}>attempt {command.attempt + 1}</Link>
            </div>
          </div>
        </li>
      )}
    </ol>
  );
}
