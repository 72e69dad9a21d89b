import { Test } from '@nestjs/testing';
import { loadModelEnv, ModelRouter, ModelsModule } from '@genaug/models';

describe('models module', () => {
  it('provides a router configured from the options given', async () => {
    const env = loadModelEnv({ GENAUG_TIER_SIMPLE: 'local/local-complex' });
    const app = await Test.createTestingModule({ imports: [ModelsModule.forRoot({ env })] }).compile();
    const router = app.get(ModelRouter);
    const answer = await router.complete({ model: 'simple', request: { messages: [{ type: 'message', role: 'user', content: 'Hi' }] } });
    expect(answer).toMatchObject({ provider: 'local', model: 'local-complex', text: 'You said: Hi' });
    await app.close();
  });
});
