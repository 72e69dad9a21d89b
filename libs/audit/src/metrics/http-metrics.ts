import type { Metrics } from './metrics';

/**
 * Counts every answered request by its route pattern (`/v1/responses`,
 * `/api/v1/admin/projects/:project_id/traces`), never by its concrete URL, so ids do not
 * become label values.
 */
export function countHttpRequests(fastify: any, metrics: Metrics): void {
  fastify.addHook('onResponse', (req: any, reply: any, done: () => void) => {
    const route: string = req.routeOptions?.url ?? 'unmatched';
    const method: string = req.method;
    metrics.httpRequests.inc({ method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method, route }, (reply.elapsedTime ?? 0) / 1000);
    done();
  });
}
