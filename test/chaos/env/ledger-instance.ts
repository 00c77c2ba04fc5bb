/**
 * One ledger instance slot: the built service (`node apps/ledger/dist/main.js`, what
 * `npm start` runs) on a fixed HTTP port and a stable LEDGER_INSTANCE_ID, so that a restart
 * takes over its persistent MQTT session as a redeployed pod would. Every incarnation appends
 * to the slot's log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { sleep } from './free-port.js';

export type SlotState = 'down' | 'starting' | 'up' | 'paused';

export interface UnexpectedExit {
  readonly instanceId: string;
  readonly incarnation: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: Date;
  readonly during: 'start' | 'run';
}

export class StartFailedError extends Error {
  override readonly name = 'StartFailedError';
}

const MAIN = resolve(process.cwd(), 'apps/ledger/dist/main.js');
export const LEDGER_MAIN = MAIN;

export class LedgerInstance {
  state: SlotState = 'down';
  incarnation = 0;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;
  /** Exits we did not cause, while it was up or paused: a crash of the service. */
  readonly unexpectedExits: UnexpectedExit[] = [];

  constructor(
    readonly index: number,
    readonly instanceId: string,
    readonly port: number,
    readonly logPath: string,
    private readonly env: Record<string, string>,
    private readonly onChild: (pid: number) => Promise<void>,
    /** A new LEDGER_INSTANCE_ID per incarnation (as the default, host name and pid, gives). */
    private readonly idPerIncarnation = false,
  ) {
    this.log = createWriteStream(logPath, { flags: 'a' });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns an incarnation and waits until /health/ready answers 200 (bounded). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.closed) throw new Error(`${this.instanceId} is stopped for good`);
    if (this.state !== 'down') throw new Error(`${this.instanceId} is ${this.state}`);
    this.state = 'starting';
    const incarnation = ++this.incarnation;
    this.log.write(
      `\n=== ${this.instanceId} incarnation ${incarnation} starting at ${new Date().toISOString()} ===\n`,
    );
    const child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        ...this.env,
        HTTP_PORT: String(this.port),
        LEDGER_INSTANCE_ID: this.idPerIncarnation
          ? `${this.instanceId}.${incarnation}`
          : this.instanceId,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise<void>((r) => {
      child.once('exit', (code, signal) => {
        this.log.write(
          `=== ${this.instanceId} incarnation ${incarnation} exited: code ${code}, signal ${signal} at ${new Date().toISOString()} ===\n`,
        );
        if (this.child === child) {
          if (this.state === 'up' || this.state === 'paused')
            this.unexpectedExits.push({
              instanceId: this.instanceId,
              incarnation,
              code,
              signal,
              at: new Date(),
              during: 'run',
            });
          this.state = 'down';
          this.child = null;
        }
        r();
      });
    });
    if (child.pid !== undefined) await this.onChild(child.pid);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child !== child)
        throw new StartFailedError(`${this.instanceId} exited during start-up`);
      if (await this.ready()) break;
      if (Date.now() > deadline) {
        await this.kill();
        throw new StartFailedError(
          `${this.instanceId} was not ready in ${timeoutMs} ms (last readiness: ${this.lastReadiness})`,
        );
      }
      await sleep(100);
    }
    this.state = 'up';
    this.startedInMs.push(Date.now() - (deadline - timeoutMs));
  }

  /** How long each start-up took until ready. */
  readonly startedInMs: number[] = [];

  /** The last answer of /health/ready, to say why a start-up did not finish. */
  lastReadiness = '';

  async ready(timeoutMs = 5_000): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      this.lastReadiness = `${res.status} ${(await res.text()).slice(0, 300)}`;
      return res.status === 200;
    } catch (e) {
      this.lastReadiness = String((e as { cause?: unknown }).cause ?? e);
      return false;
    }
  }

  /** kill -9 (also of a paused process): no shutdown hook runs. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.state = 'down';
    this.child = null;
    child.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    if (this.state !== 'up' || !this.child) return;
    this.child.kill('SIGSTOP');
    this.state = 'paused';
  }

  resume(): void {
    if (this.state !== 'paused' || !this.child) return;
    this.child.kill('SIGCONT');
    this.state = 'up';
  }

  private closed = false;

  /**
   * For good: SIGTERM (the service finishes in-flight work), SIGKILL if that takes longer than
   * the bound. A start-up under way is cut short (its readiness loop sees the child gone).
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return this.closeLog();
    this.state = 'down';
    this.child = null;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const late = await Promise.race([
      this.exited.then(() => false),
      sleep(timeoutMs).then(() => true),
    ]);
    if (late) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.closeLog();
  }

  stopSync(): void {
    this.closed = true;
    this.child?.kill('SIGKILL');
  }

  private closeLog(): void {
    this.log.end();
  }
}
