/**
 * Everything the benchmark starts (processes, databases, directories) registers how to undo
 * it here; `teardown` runs the undos newest first, once, on success, failure or Ctrl-C.
 */
type Undo = () => Promise<unknown> | unknown;

const undos: { readonly label: string; readonly undo: Undo }[] = [];
let running: Promise<void> | undefined;

/** Registers an undo; returns a function that runs it now (and unregisters it). */
export function onTeardown(label: string, undo: Undo): () => Promise<void> {
  const entry = { label, undo };
  undos.push(entry);
  return async () => {
    const i = undos.indexOf(entry);
    if (i < 0) return;
    undos.splice(i, 1);
    await undo();
  };
}

/**
 * Runs every registered undo, newest first; a failing one is reported and the rest still run.
 * Callers during a teardown share it; undos registered later wait for the next call.
 */
export function teardown(): Promise<void> {
  running ??= (async () => {
    while (undos.length > 0) {
      const { label, undo } = undos.pop()!;
      try {
        await withTimeout(Promise.resolve().then(undo), 20_000, label);
      } catch (e) {
        console.error(`cleanup: ${label}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })().finally(() => (running = undefined));
  return running;
}

/**
 * Ctrl-C or SIGTERM: clean up, then exit with the conventional code. The same signal often
 * arrives twice at once (from the terminal and forwarded by npm or `timeout`): only one that
 * comes more than 3 s after the first forces an exit without finishing the cleanup.
 */
export function teardownOnSignals(): void {
  let first: number | undefined;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (first !== undefined) {
        if (Date.now() - first > 3000) process.exit(code);
        return;
      }
      first = Date.now();
      console.log(`\n${signal}: stopping and cleaning up (again to force)…`);
      void teardown().finally(() => process.exit(code));
    });
  }
}

export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
