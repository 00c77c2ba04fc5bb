import { useState } from 'preact/hooks';
import { tokenChanged, useAuth } from '../api/auth-state';
import { saveToken } from '../api/token';

/** Asks for an API token when the ledger answered 401; kept for this tab only. */
export function TokenDialog() {
  const auth = useAuth();
  const [value, setValue] = useState('');
  if (auth.need === 'none') return null;
  return (
    <div class="overlay">
      <form
        class="dialog card"
        onSubmit={(e) => {
          e.preventDefault();
          if (!value.trim()) return;
          saveToken(value.trim());
          setValue('');
          tokenChanged();
        }}
      >
        <h2>API token</h2>
        {auth.need === 'refused' ? (
          <p class="notice notice-error" data-testid="token-refused">
            The ledger refused this token. Check it and try again.
          </p>
        ) : (
          <p class="muted">This ledger needs one of its API tokens (LEDGER_API_TOKENS).</p>
        )}
        <input
          type="password"
          name="token"
          autocomplete="off"
          placeholder="token"
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          autofocus
        />
        <p class="hint">Kept in this tab only (sessionStorage), sent as a Bearer token.</p>
        <div class="actions">
          <button type="submit" class="primary">
            Use token
          </button>
        </div>
      </form>
    </div>
  );
}
