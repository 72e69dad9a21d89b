import { fork } from 'child_process';

// A child knows its task from this variable; the parent passes the task as JSON.
const TASK_ENV = 'GENAUG_BENCH_TASK';

/**
 * Runs one task of `script` in a fresh Node process and returns its result. Each side of a
 * comparison runs alone: libraries that change process-wide state (pg type parsers, JIT
 * and heap history) then cannot tilt the other side's figures.
 */
export function runIsolated<T>(script: string, task: unknown, timeoutMs = 180_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      env: { ...process.env, [TASK_ENV]: JSON.stringify(task) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(new Error(`benchmark task timed out after ${timeoutMs} ms: ${JSON.stringify(task)}`));
    }, timeoutMs);
    const finish = (err: Error | null, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', (msg: { ok: boolean; value?: T; error?: string }) =>
      msg.ok ? finish(null, msg.value) : finish(new Error(msg.error)),
    );
    child.on('exit', (code) => finish(new Error(`benchmark task exited with code ${code} before answering`)));
    child.on('error', (err) => finish(err));
  });
}

/** The task this process was started for by `runIsolated`, or null in the parent. */
export function isolatedTask<T>(): T | null {
  const raw = process.env[TASK_ENV];
  return raw && process.send ? (JSON.parse(raw) as T) : null;
}

/** Runs the task's work and sends its result (or error) back to the parent, then exits. */
export async function answerIsolated<T>(work: () => Promise<T>): Promise<void> {
  try {
    const value = await work();
    process.send!({ ok: true, value }, () => process.exit(0));
  } catch (err) {
    process.send!({ ok: false, error: (err as Error).stack ?? String(err) }, () => process.exit(1));
  }
}
