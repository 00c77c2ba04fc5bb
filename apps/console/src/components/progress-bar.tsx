/** Stacked segments (e.g. a fleet's children by status) over `total`. */
export function ProgressBar(props: {
  total: number;
  segments: Array<{ key: string; value: number; label: string }>;
}) {
  const total = Math.max(props.total, 1);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={props.total}
      aria-valuenow={props.segments.reduce((a, s) => a + s.value, 0)}
    >
      {props.segments
        .filter((s) => s.value > 0)
        .map((s) => (
          <span
            key={s.key}
            class={`seg status-${s.key}`}
            style={{ width: `${(100 * s.value) / total}%` }}
            title={`${s.label}: ${s.value}`}
          />
        ))}
    </div>
  );
}
