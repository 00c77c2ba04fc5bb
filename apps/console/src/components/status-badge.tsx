import { humanStatus } from './format';

export function StatusBadge({ status }: { status: string | null | undefined }) {
  if (!status) return <span class="badge">—</span>;
  return <span class={`badge status-${status}`}>{humanStatus(status)}</span>;
}
