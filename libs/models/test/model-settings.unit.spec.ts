import { ConfigError } from '@genaug/kernel';
import { backoffDelayMs, effectiveModelSettings, loadModelEnv, modelSettingsSchema } from '@genaug/models';

const issues = (input: unknown) => {
  const result = modelSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('model settings', () => {
  it('defaults every tier to its local model', () => {
    const effective = effectiveModelSettings(modelSettingsSchema.parse({}), loadModelEnv({}));
    expect(effective.tiers).toEqual({
      simple: [{ provider: 'local', model: 'local-simple' }],
      balanced: [{ provider: 'local', model: 'local-balanced' }],
      complex: [{ provider: 'local', model: 'local-complex' }],
    });
    expect(effective.providers.openai).toMatchObject({ kind: 'openai', baseUrl: 'https://api.openai.com/v1', timeoutMs: 30_000, answerTimeoutMs: 120_000, maxRetries: 2 });
    expect(effective.providers.anthropic).toMatchObject({ kind: 'anthropic', baseUrl: 'https://api.anthropic.com' });
  });

  it('names the field that is wrong', () => {
    expect(issues({ tiers: { balanced: ['gpt-4o'] } })).toEqual(['tiers.balanced.0: must be "provider/model", e.g. "openai/gpt-4o-mini"']);
    expect(issues({ tiers: { simple: [] } })).toEqual(['tiers.simple: needs at least one model']);
    expect(issues({ tiers: { simple: ['mystery/model'] } })).toEqual(['tiers.simple.0: names unknown provider "mystery"']);
    expect(issues({ providers: { vllm: { baseUrl: 'http://10.0.0.5:8000/v1' } } })).toEqual(['providers.vllm.kind: is required for a provider of your own name']);
    expect(issues({ providers: { openai: { timeoutMs: 0 } } })).toEqual([expect.stringMatching(/^providers\.openai\.timeoutMs: /)]);
    expect(issues({ tier: {} })).toEqual([expect.stringContaining('tier')]);
  });

  it('layers project settings over the environment over the defaults', () => {
    const env = loadModelEnv({
      OPENAI_API_KEY: 'sk-env',
      GENAUG_OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
      GENAUG_MODEL_TIMEOUT_MS: '5000',
      GENAUG_TIER_SIMPLE: 'openai/gpt-4o-mini,local/local-simple',
      GENAUG_TIER_COMPLEX: 'anthropic/claude-opus-4-5',
    });
    const project = modelSettingsSchema.parse({
      tiers: { complex: ['openai/gpt-4.1'] },
      providers: { openai: { timeoutMs: 9000 }, mine: { kind: 'openai', baseUrl: 'http://127.0.0.1:10/v1' } },
      prices: { 'gpt-4.1': { inputPerMillion: 1, outputPerMillion: 1 } },
    });
    const effective = effectiveModelSettings(project, env);
    expect(effective.tiers.simple.map((r) => r.model)).toEqual(['gpt-4o-mini', 'local-simple']);
    expect(effective.tiers.balanced.map((r) => r.model)).toEqual(['local-balanced']);
    expect(effective.tiers.complex.map((r) => r.model)).toEqual(['gpt-4.1']);
    expect(effective.providers.openai).toMatchObject({ apiKey: 'sk-env', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 9000 });
    expect(effective.providers.anthropic.timeoutMs).toBe(5000);
    // A provider of the project's own gets its kind's defaults, but never the server's key.
    expect(effective.providers.mine).toMatchObject({ kind: 'openai', baseUrl: 'http://127.0.0.1:10/v1', timeoutMs: 5000 });
    expect(effective.providers.mine.apiKey).toBeUndefined();
    expect(effective.prices['gpt-4.1']).toEqual({ inputPerMillion: 1, outputPerMillion: 1 });
    expect(effective.prices['gpt-4o']).toBeDefined();
  });

  it("sends the server's key only to the server's endpoint", () => {
    const env = loadModelEnv({ OPENAI_API_KEY: 'sk-env', ANTHROPIC_API_KEY: 'ant-env' });
    const project = modelSettingsSchema.parse({
      providers: { openai: { baseUrl: 'https://attacker.example/v1' }, anthropic: { timeoutMs: 1000 } },
    });
    const effective = effectiveModelSettings(project, env);
    expect(effective.providers.openai.apiKey).toBeUndefined();
    expect(effective.providers.anthropic.apiKey).toBe('ant-env');
    const ownKey = effectiveModelSettings(modelSettingsSchema.parse({ providers: { openai: { baseUrl: 'https://proxy.example/v1', apiKey: 'sk-own' } } }), env);
    expect(ownKey.providers.openai.apiKey).toBe('sk-own');
  });

  it('stops start-up naming a malformed variable', () => {
    expect(() => loadModelEnv({ GENAUG_TIER_BALANCED: 'gpt-4o' })).toThrow(ConfigError);
    expect(() => loadModelEnv({ GENAUG_TIER_BALANCED: 'gpt-4o' })).toThrow(/GENAUG_TIER_BALANCED/);
    expect(() => loadModelEnv({ GENAUG_MODEL_TIMEOUT_MS: 'soon' })).toThrow(/GENAUG_MODEL_TIMEOUT_MS/);
    expect(() => loadModelEnv({ GENAUG_OPENAI_BASE_URL: 'not a url' })).toThrow(/GENAUG_OPENAI_BASE_URL/);
  });
});

describe('retry backoff', () => {
  const policy = { backoffMs: 200, maxBackoffMs: 1_000 };

  it('doubles its ceiling each retry, up to the cap, with half of it jittered', () => {
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelayMs(retry, policy, () => 0))).toEqual([100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelayMs(retry, policy, () => 1))).toEqual([200, 400, 800, 1000, 1000]);
  });

  it("follows the upstream's Retry-After, and gives up on waits longer than the cap", () => {
    expect(backoffDelayMs(0, policy, () => 0.5, 750)).toBe(750);
    expect(backoffDelayMs(0, policy, () => 0.5, 30_000)).toBeUndefined();
  });
});
