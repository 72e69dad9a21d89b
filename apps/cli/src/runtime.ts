import { openRuntime, type Runtime } from '../../api/src/runtime/runtime';
import { CliError, ExitCode } from './output';

/**
 * Opens the database the way the server does (DATABASE_URL, or the embedded PostgreSQL
 * under GENAUG_DATA_DIR; secrets; migrations), runs `work`, and always closes it.
 */
export async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  let runtime: Runtime;
  try {
    runtime = await openRuntime(process.env);
  } catch (err) {
    throw new CliError(`cannot open the database: ${(err as Error).message}`, ExitCode.error);
  }
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
