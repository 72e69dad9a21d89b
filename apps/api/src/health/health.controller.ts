import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Pool } from 'pg';
import { migrationsApplied, PG_POOL, SubscriptionHost, type Migration } from '@genaug/event-store';
import { MIGRATIONS } from '../tokens';
import { BUILD } from '../build-info';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(MIGRATIONS) private readonly migrations: Migration[],
    private readonly host: SubscriptionHost,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok', version: BUILD.version, build: BUILD.build };
  }

  /** 200 only when the database answers, migrations are applied and every consumer runs. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: any) {
    const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
    try {
      await this.pool.query('select 1');
      checks.database = { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    checks.migrations = checks.database.ok
      ? { ok: await migrationsApplied(this.pool, this.migrations) }
      : { ok: false, detail: 'database unavailable' };
    const running = this.host.allRunning();
    checks.consumers = { ok: running.ok, detail: running.ok ? undefined : { not_running: running.failing } };
    if (checks.database.ok) {
      const states = await this.host.states().catch(() => []);
      checks.projections = {
        ok: true,
        detail: states.map((s) => ({ name: s.name, status: s.status, active: s.active, lag_events: s.lagEvents, lag_seconds: Number(s.lagSeconds.toFixed(3)) })),
      };
    }
    const ok = Object.values(checks).every((c) => c.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ready' : 'not_ready', version: BUILD.version, build: BUILD.build, checks };
  }
}
