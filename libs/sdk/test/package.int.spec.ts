import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { VERSION } from '@genaug/sdk';
import { encodeSseEvent, parseCreateResponseRequest, ResponseSequencer, SSE_DONE } from '@genaug/responses';
import { ContractServer, errorBody, json } from './contract-server';

// The package as an app installs it: its published files in an app's node_modules, built
// by its own script, resolved by name through its `exports`. The copy is private to this
// run, so a build elsewhere in the tree cannot pull files from under it.

const run = promisify(execFile);
const sdkRoot = resolve(__dirname, '..');
const repoRoot = resolve(sdkRoot, '../..');
const server = new ContractServer();
let app: string;
let installed: string;

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'genaug-sdk-app-'));
  installed = join(app, 'node_modules/@general-augment/sdk');
  mkdirSync(installed, { recursive: true });
  const published: string[] = JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8')).files;
  for (const file of ['package.json', ...published.filter((f) => f !== 'dist')]) cpSync(join(sdkRoot, file), join(installed, file), { recursive: true });
  await run(process.execPath, [join(sdkRoot, 'scripts/build.js'), '--out-dir', join(installed, 'dist')]);
  await server.start();
  // Answers as the API does, from the shared contract code.
  server.always((req, res) => {
    const seq = new ResponseSequencer({ request: parseCreateResponseRequest(req.body), responseId: 'resp_1' });
    const events = [
      ...seq.push({ type: 'text.delta', delta: 'hi from ' }),
      ...seq.push({ type: 'text.delta', delta: 'the API' }),
      ...seq.push({ type: 'completed', usage: { inputTokens: 2, outputTokens: 4 } }),
    ];
    if ((req.body as { stream?: boolean }).stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(events.map(encodeSseEvent).join('') + SSE_DONE);
    } else json(res, 200, seq.response);
  });
}, 60_000);

afterAll(async () => {
  await server.stop();
  rmSync(app, { recursive: true, force: true });
});

const program = `
  const client = new GeneralAugmentClient({ apiKey: 'local-test', baseUrl: process.env.API_URL });
  const response = await client.createResponse({ model: 'balanced', input: 'hi' });
  console.log(JSON.stringify({ version: VERSION, text: responseOutputText(response), error: typeof GeneralAugmentAPIError }));
`;

async function runIn(file: string, source: string) {
  writeFileSync(join(app, file), source);
  const { stdout } = await run(process.execPath, [join(app, file)], { cwd: app, env: { ...process.env, API_URL: server.url } });
  return JSON.parse(stdout);
}

describe('@general-augment/sdk package', () => {
  it('has version 0.1.1 everywhere', () => {
    expect(JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8')).version).toBe('0.1.1');
    expect(VERSION).toBe('0.1.1');
  });

  it('loads with import() from an ES module and calls the API', async () => {
    const out = await runIn(
      'esm.mjs',
      `import { GeneralAugmentClient, GeneralAugmentAPIError, responseOutputText, VERSION } from '@general-augment/sdk';\n${program}`,
    );
    expect(out).toEqual({ version: '0.1.1', text: 'hi from the API', error: 'function' });
  });

  it('loads with require() from CommonJS and calls the API', async () => {
    const out = await runIn(
      'cjs.cjs',
      `const { GeneralAugmentClient, GeneralAugmentAPIError, responseOutputText, VERSION } = require('@general-augment/sdk');\n(async () => {${program}})();`,
    );
    expect(out).toEqual({ version: '0.1.1', text: 'hi from the API', error: 'function' });
  });

  it('runs the mock-backed contract-test example', async () => {
    const example = join(installed, 'examples/contract-test.mjs');
    const env = { ...process.env, GENAUG_API_BASE_URL: server.url, GENAUG_API_KEY: 'local-test' };
    const { stdout } = await run(process.execPath, [example], { env });
    expect(stdout).toContain('ok   a stream ends with response.completed');
    expect(stdout).toContain('sdk 0.1.1: contract ok (response resp_1)');

    const refusing = await new ContractServer().start();
    refusing.always((_req, res) => json(res, 401, errorBody('authentication_error', 'invalid_api_key', 'Missing or invalid API key')));
    try {
      const failed = await run(process.execPath, [example], { env: { ...env, GENAUG_API_BASE_URL: refusing.url } }).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('FAIL 401 invalid_api_key') });
    } finally {
      await refusing.stop();
    }
  });

  it('type-checks the SDK reference code against the published declarations, as ESM and CommonJS', () => {
    const reference = `
import { GeneralAugmentClient, GeneralAugmentAPIError, responseOutputText } from "@general-augment/sdk";

export async function main() {
  const client = new GeneralAugmentClient({
    apiKey: process.env.GENAUG_API_KEY!,
    baseUrl: process.env.GENAUG_API_BASE_URL ?? "https://api.generalaugment.com",
    timeoutMs: 60_000,
  });

  const response = await client.createResponse(
    {
      model: "balanced",
      user: "app-user-123",
      input: "Summarize this support request and suggest the next action.",
      metadata: { feature: "support-triage" },
    },
    {
      idempotencyKey: "support-thread-123-turn-1",
      requestId: "req_app_123",
    },
  );
  const text: string = responseOutputText(response);

  const structured = await client.createResponse({
    model: "balanced",
    user: "app-user-123",
    input: "Extract: window seat.",
    text: {
      format: {
        type: "json_schema",
        name: "travel_preference",
        strict: true,
        schema: {
          type: "object",
          required: ["seat"],
          properties: { seat: { type: "string" } },
          additionalProperties: false,
        },
      },
    },
  });

  for await (const event of client.streamResponse({
    model: "balanced",
    user: "app-user-123",
    input: "Draft a two sentence welcome message.",
  })) {
    if (event.event === "response.output_text.delta") {
      process.stdout.write(String((event.data as any).delta ?? ""));
    }
  }

  await client.storeMemory({
    user_id: "app-user-123",
    fact: "User prefers window seats",
    fact_type: "preference",
    importance_score: 0.9,
    source: "booking",
    idempotency_key: "memory-window-seat-1",
  });

  const usage = await client.usage("project_123", {
    startDate: "2026-04-01",
    endDate: "2026-04-24",
  });

  const job = await client.createScheduledJob("project_123", {
    target_app_user_id: "app-user-123",
    prompt: "Review this account and summarize the next action.",
    schedule: { type: "interval", every_seconds: 3600 },
  });

  await client.listScheduledJobs("project_123", { status: "active" });
  await client.listScheduledJobRuns("project_123", job.id, { limit: 20 });
  await client.dispatchScheduledJob("project_123", job.id, {
    dispatchKey: "operator-smoke-1",
    execute: false,
  });
  await client.pauseScheduledJob("project_123", job.id);
  await client.resumeScheduledJob("project_123", job.id);
  await client.deleteScheduledJob("project_123", job.id);

  try {
    await client.getResponse(response.id);
  } catch (err) {
    if (err instanceof GeneralAugmentAPIError && err.reason === "rate_limited") {
      const wait: number | null = err.retryAfter;
      const ids: (string | null)[] = [err.requestId, err.traceId];
      const remaining: number | null = err.rateLimit.remaining;
      return { wait, ids, remaining };
    }
  }
  return { text, structured: structured.output, usage };
}
`;
    writeFileSync(join(app, 'reference.mts'), reference);
    writeFileSync(join(app, 'reference.cts'), reference);
    const compiled = ts.createProgram([join(app, 'reference.mts'), join(app, 'reference.cts')], {
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      types: ['node'],
      typeRoots: [join(repoRoot, 'node_modules/@types')],
      // Library declarations were checked when they were written; here the question is whether app code compiles against them.
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(compiled).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // Both files really resolved the package, each through its own `exports` condition.
    const sdkDeclarations = compiled
      .getSourceFiles()
      .map((f) => f.fileName)
      .filter((f) => f.startsWith(installed) && f.endsWith('/index.d.ts'))
      .map((f) => f.slice(f.indexOf('dist/')));
    expect(sdkDeclarations.sort()).toEqual(['dist/cjs/index.d.ts', 'dist/esm/index.d.ts']);
  });
});
