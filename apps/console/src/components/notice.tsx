import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client';

export function Notice(props: { kind?: 'info' | 'error' | 'warn'; children: ComponentChildren }) {
  return <div class={`notice notice-${props.kind ?? 'info'}`}>{props.children}</div>;
}

/** An error from the API as a sentence; 401 is handled by the token dialog. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 401) {
    return <Notice kind="warn">The ledger needs an API token to show this.</Notice>;
  }
  const text =
    error instanceof ApiError
      ? `${error.status ? `${error.status}: ` : ''}${error.messages.join('; ') || 'request failed'}`
      : String(error);
  return <Notice kind="error">{text}</Notice>;
}
