/** What the read models need to report; Nest's `Logger` fits. Libraries never print themselves. */
export interface ReadModelLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: ReadModelLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
