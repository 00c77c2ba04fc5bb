import { useState } from 'preact/hooks';
import { ApiError, post } from '../api/client';
import type { Command } from '../api/types';
import { navigate } from '../router';

/**
 * `POST /commands` for one device. Only what the operator set is sent, so the form works on a
 * ledger without the v2 fields (delivery, queue) as long as they are left at their defaults.
 */
export function SendCommandForm({ deviceId }: { deviceId: string }) {
  const [name, setName] = useState('');
  const [payload, setPayload] = useState('{}');
  const [delivery, setDelivery] = useState('');
  const [queueKey, setQueueKey] = useState('');
  const [supersede, setSupersede] = useState(false);
  const [timeoutMs, setTimeoutMs] = useState('');
  const [messages, setMessages] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload || '{}');
    } catch {
      return setMessages(['payload is not valid JSON']);
    }
    const body: Record<string, unknown> = { deviceId, name: name.trim(), payload: parsed };
    if (delivery) body.delivery = delivery;
    if (queueKey.trim())
      body.queue = { key: queueKey.trim(), ...(supersede ? { supersede: true } : {}) };
    if (timeoutMs.trim()) body.timeoutMs = Number(timeoutMs);
    setBusy(true);
    try {
      const command = await post<Command>('/commands', body);
      navigate(`/commands/${command.commandId}`);
    } catch (error) {
      setMessages(error instanceof ApiError ? error.messages : [String(error)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="send-form" onSubmit={submit} data-testid="send-command">
      <label>
        Name
        <input
          name="name"
          required
          placeholder="set-speed"
          value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)}
        />
      </label>
      <label>
        Payload (JSON object)
        <textarea
          name="payload"
          rows={4}
          class="mono"
          value={payload}
          onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <details>
        <summary>Delivery, queue, timeout</summary>
        <div class="row">
          <label>
            Delivery
            <select
              name="delivery"
              value={delivery}
              onChange={(e) => setDelivery((e.target as HTMLSelectElement).value)}
            >
              <option value="">default (when online)</option>
              <option value="when_online">when online</option>
              <option value="immediate">immediate</option>
            </select>
          </label>
          <label>
            Queue key
            <input
              name="queue"
              placeholder="none"
              value={queueKey}
              onInput={(e) => setQueueKey((e.target as HTMLInputElement).value)}
            />
          </label>
          <label class="check-label">
            <input
              type="checkbox"
              checked={supersede}
              onChange={(e) => setSupersede((e.target as HTMLInputElement).checked)}
            />
            supersede waiting
          </label>
          <label>
            Result timeout (ms)
            <input
              name="timeoutMs"
              inputMode="numeric"
              placeholder="default"
              value={timeoutMs}
              onInput={(e) => setTimeoutMs((e.target as HTMLInputElement).value)}
            />
          </label>
        </div>
      </details>
      {messages.length > 0 && (
        <ul class="notice notice-error">
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Send command
        </button>
      </div>
    </form>
  );
}
