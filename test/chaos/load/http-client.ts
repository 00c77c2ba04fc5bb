/** Every answer the run's clients got, by HTTP status (a 500 fails the run: it says "bug"). */
export const answersByStatus = new Map<number, number>();

/** One HTTP exchange with a bound: a paused instance must not hold a client forever. */
export type HttpAnswer =
  | { readonly ok: true; readonly status: number; readonly body: any } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { readonly ok: false; readonly error: string };

export async function request(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 4_000,
): Promise<HttpAnswer> {
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    answersByStatus.set(res.status, (answersByStatus.get(res.status) ?? 0) + 1);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { ok: true, status: res.status, body: parsed };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { ok: false, error: cause ?? (e as Error).name ?? String(e) };
  }
}
