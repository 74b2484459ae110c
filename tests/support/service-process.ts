/**
 * The real service as a child process (`node dist/src/main.js start`, so `npm run build` first),
 * for tests of what only a whole process shows: faults, signals, logs. Its pino lines are parsed
 * as they arrive; every process spawned here is SIGKILLed by `killAllServices()` (call it in
 * `afterAll`) if a test left it running.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** http://127.0.0.1:port */
  readonly url: string;
  /** ws://127.0.0.1:port/graphql */
  readonly wsUrl: string;
  /** Every JSON log line printed so far, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits until GET /readyz answers 200; throws if the process exits or `ms` pass first. */
  ready(ms?: number): Promise<void>;
  /** Waits until a log line satisfies `match`; throws after `ms`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

const spawned = new Set<ChildProcess>();

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the service with `env` on top of the test's environment (HOST 127.0.0.1, a free PORT,
 * SEED_DEMO false, LOG_LEVEL info unless given).
 */
export async function spawnService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { ...process.env, HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not a log line */
      }
    }
    for (const w of waiters) w();
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      spawned.delete(child);
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    logs,
    exited,
    async ready(ms = 30_000) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the service exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
        if (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the service on ${port} was not ready within ${ms} ms: ${stderr}`);
    },
    async waitForLog(match, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = logs.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no matching log line in time');
        await new Promise<void>((resolve) => {
          const done = () => { clearTimeout(t); waiters.delete(done); resolve(); };
          const t = setTimeout(done, left);
          waiters.add(done);
        });
      }
    },
  };
}

/** SIGKILLs every service process still running (for afterAll, also after a failed test). */
export async function killAllServices(): Promise<void> {
  await Promise.all([...spawned].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  })));
}

/** Polls `probe` every 50 ms until `ok` holds; returns the value, or throws after `ms`. */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
