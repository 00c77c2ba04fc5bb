/** A minimal SSE client over fetch, as `curl -N` or a non-browser client reads `GET /events`. */
export interface SseMessage {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly comment: string | null;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Every message so far, comments and id-only messages included. */
  readonly messages: SseMessage[];
  /** The `transition` events so far. */
  transitions(): SseMessage[];
  /** The id a browser would resume from: the last `id:` field seen. */
  lastEventId(): string | null;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  let lastId: string | null = null;
  const parse = (block: string) => {
    let id: string | null = null;
    let event: string | null = null;
    let data: string | null = null;
    let comment: string | null = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comment = line.slice(1).trim();
      else {
        const colon = line.indexOf(':');
        const [field, value] = [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
        if (field === 'id') id = lastId = value;
        if (field === 'event') event = value;
        if (field === 'data') data = value;
      }
    }
    messages.push({ id, event, data: data === null ? null : JSON.parse(data), comment });
  };
  const ended = (async () => {
    if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.trim()) parse(block);
        }
      }
    } catch {
      /* aborted or dropped: the stream ended */
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    messages,
    transitions: () => messages.filter((m) => m.event === 'transition'),
    lastEventId: () => lastId,
    ended,
    close: () => abort.abort(),
  };
}
