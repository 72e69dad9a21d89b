// A contract test an app can run in CI against the local mock (or any General Augment API):
//   GENAUG_API_BASE_URL=http://127.0.0.1:8787 GENAUG_API_KEY=local-test node examples/contract-test.mjs
// It checks the shapes an app relies on and exits non-zero when one is missing.
import { GeneralAugmentAPIError, GeneralAugmentClient, responseOutputText, VERSION } from '@general-augment/sdk';

const client = new GeneralAugmentClient({
  apiKey: process.env.GENAUG_API_KEY ?? 'local-test',
  baseUrl: process.env.GENAUG_API_BASE_URL ?? 'http://127.0.0.1:8787',
  timeoutMs: 30_000,
});

function check(condition, what) {
  if (!condition) {
    console.error(`FAIL ${what}`);
    process.exit(1);
  }
  console.log(`ok   ${what}`);
}

try {
  const response = await client.createResponse(
    { model: 'balanced', user: 'contract-test-user', input: 'Say hello in five words.', metadata: { feature: 'contract-test', source: 'ci' } },
    { idempotencyKey: `contract-test-${Date.now()}`, requestId: 'req_contract_test' },
  );
  check(typeof response.id === 'string' && response.object === 'response', 'POST /v1/responses returns a response object');
  check(response.status === 'completed', 'the response completed');
  check(responseOutputText(response).length > 0, 'the response has output_text');

  let text = '';
  const seen = [];
  for await (const event of client.streamResponse({ model: 'balanced', user: 'contract-test-user', input: 'Count to three.' })) {
    seen.push(event.event);
    if (event.event === 'response.output_text.delta') text += String(event.data?.delta ?? '');
  }
  check(seen[0] === 'response.created', 'a stream starts with response.created');
  check(seen.at(-1) === 'response.completed', 'a stream ends with response.completed');
  check(text.length > 0, 'a stream carries output_text deltas');
  console.log(`sdk ${VERSION}: contract ok (response ${response.id})`);
} catch (err) {
  if (err instanceof GeneralAugmentAPIError) {
    console.error(`FAIL ${err.status} ${err.reason}: ${err.message} (request ${err.requestId ?? '-'})`);
    process.exit(1);
  }
  throw err;
}
