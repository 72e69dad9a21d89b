import { fork, type ChildProcess } from 'child_process';

// A child knows it is one from this variable.
const CHILD_ENV = 'GENAUG_BENCH_CHILD';

interface Request {
  id: number;
  task: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** A Node process of its own that runs a benchmark's tasks one at a time. */
export interface IsolatedProcess {
  run<T>(task: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts `script` again as a child process that serves tasks (see `serveIsolated`). Each side
 * of a comparison runs in its own: libraries that change process-wide state (pg type parsers,
 * JIT and heap history) then cannot tilt the other side's figures, and both sides can stay up
 * while their measurements take turns.
 */
export function startIsolated(script: string, taskTimeoutMs = 180_000): IsolatedProcess {
  const child: ChildProcess = fork(script, [], {
    env: { ...process.env, [CHILD_ENV]: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  let exited = false;
  const settle = (id: number, err: Error | null, value?: unknown) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  };
  child.on('message', (m: Reply) => settle(m.id, m.ok ? null : new Error(m.error), m.value));
  child.on('exit', (code) => {
    exited = true;
    for (const id of [...pending.keys()]) settle(id, new Error(`benchmark process exited with code ${code} during a task`));
  });
  return {
    run<T>(task: unknown): Promise<T> {
      if (exited) return Promise.reject(new Error('benchmark process has exited'));
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          settle(id, new Error(`benchmark task timed out after ${taskTimeoutMs} ms: ${JSON.stringify(task)}`));
        }, taskTimeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ id, task } satisfies Request);
      });
    },
    stop() {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      });
    },
  };
}

/**
 * In a process started by `startIsolated`, answers each task with `handle` and returns true;
 * in any other process returns false and does nothing. The child exits when its parent stops it.
 */
export function serveIsolated(handle: (task: any) => Promise<unknown>): boolean {
  if (!process.env[CHILD_ENV] || !process.send) return false;
  // Tasks run one after another, in the order they were sent.
  let queue = Promise.resolve();
  process.on('message', (m: Request) => {
    queue = queue.then(async () => {
      try {
        process.send!({ id: m.id, ok: true, value: await handle(m.task) } satisfies Reply);
      } catch (err) {
        process.send!({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) } satisfies Reply);
      }
    });
  });
  process.on('disconnect', () => void queue.finally(() => process.exit(0)));
  return true;
}
