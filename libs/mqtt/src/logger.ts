/**
 * The logging surface the MQTT building blocks need. Nest's `Logger` satisfies it, so apps
 * pass theirs; libraries never print on their own.
 */
export interface MqttLogger {
  log(message: string, ...optionalParams: unknown[]): void;
  warn(message: string, ...optionalParams: unknown[]): void;
  error(message: string, ...optionalParams: unknown[]): void;
  debug?(message: string, ...optionalParams: unknown[]): void;
}

/** The default: quiet. */
export const silentLogger: MqttLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
