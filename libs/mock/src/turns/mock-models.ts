import type { ServerResponse } from 'node:http';
import { notFound, type Clock } from '@genaug/kernel';
import { loadModelEnv, ModelRouter, namedModels } from '@genaug/models';
import { sendJson, type MockRequest } from '../mock-http';

/** GET /v1/models and GET /v1/models/{model}: the names the mock's requests may send, as the server lists a project's. */
export class MockModels {
  private readonly models: Array<{ id: string; object: 'model'; created: number; owned_by: string }>;

  constructor(clock: Clock) {
    // The defaults only, as the mock's turns use them; `created` is when the mock started.
    const created = Math.floor(clock.now().getTime() / 1000);
    const settings = new ModelRouter({ env: loadModelEnv({}) }).settingsFor();
    this.models = namedModels(settings).map((m) => ({ id: m.id, object: 'model', created, owned_by: m.ownedBy }));
  }

  list(req: MockRequest, res: ServerResponse): void {
    sendJson(res, 200, { object: 'list', data: this.models }, { 'x-request-id': req.ctx.requestId });
  }

  get(req: MockRequest, res: ServerResponse, model: string): void {
    const found = this.models.find((m) => m.id === model);
    if (!found) throw notFound('Model', 'model');
    sendJson(res, 200, found, { 'x-request-id': req.ctx.requestId });
  }
}
