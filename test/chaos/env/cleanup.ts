/**
 * Everything the run starts is registered here, so that it is stopped on every way out: the
 * normal end, an exception, Ctrl-C (SIGINT), SIGTERM, SIGHUP. Each resource gives an async stop
 * (orderly) and a sync one (for the `exit` event, where nothing asynchronous runs any more).
 */
export interface Resource {
  readonly name: string;
  stop(): Promise<void>;
  stopSync(): void;
}

const resources: Resource[] = [];
let stopping: Promise<void> | undefined;
let installed = false;
let signalled: NodeJS.Signals | null = null;

/** The signal that interrupted the run, if one did. */
export const interruptedBy = (): NodeJS.Signals | null => signalled;

/** Registered last, stopped first (instances before the broker and the database they use). */
export function register(resource: Resource): () => void {
  resources.push(resource);
  return () => {
    const i = resources.indexOf(resource);
    if (i >= 0) resources.splice(i, 1);
  };
}

/** True once clean-up has begun: nothing may be started any more (no restart, no new fault). */
export const isShuttingDown = (): boolean => stopping !== undefined;

export function cleanUp(): Promise<void> {
  stopping ??= (async () => {
    while (resources.length > 0) {
      const r = resources.pop()!;
      try {
        await r.stop();
      } catch (e) {
        console.error(`chaos: could not stop ${r.name}: ${String(e)}`);
        try {
          r.stopSync();
        } catch {
          /* nothing more to try */
        }
      }
    }
  })();
  return stopping;
}

/** Signals and crashes end the run through `cleanUp`; `exit` kills what is left, synchronously. */
export function installCleanupHandlers(log: (line: string) => void = console.error): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled = signal;
    log(`chaos: ${signal}: stopping every process and removing the run directory`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  process.on('exit', () => {
    for (const r of resources.splice(0).reverse()) {
      try {
        r.stopSync();
      } catch {
        /* exiting anyway */
      }
    }
  });
}
