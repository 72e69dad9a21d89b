import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as swc from '@swc/core';
import * as ts from 'typescript';
import { http } from '../support/test-server';
import { contractClient } from './support/client';
import { mockTarget, serverTarget, type LimitReason, type Target } from './support/targets';

// Seed 003's snippets as the programs under examples/, run as an app runs them: the TypeScript
// ones type-checked and compiled against the built @general-augment/sdk package, the Python
// ones with the genaug package; both against the mock and the real server. The local model
// answers from the input alone, so both languages print the same lines on both servers.

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const tsExamples = path.join(root, 'examples/typescript');
const pyExamples = path.join(root, 'examples/python');
let app: string;

beforeAll(async () => {
  await run(process.execPath, [path.join(root, 'libs/sdk/scripts/build.js')]);
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'genaug-examples-'));
  fs.mkdirSync(path.join(app, 'node_modules/@general-augment'), { recursive: true });
  fs.symlinkSync(path.join(root, 'libs/sdk'), path.join(app, 'node_modules/@general-augment/sdk'), 'dir');
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ type: 'module' }));
  const sources = fs.readdirSync(tsExamples).filter((f) => f.endsWith('.ts'));
  for (const file of sources) fs.copyFileSync(path.join(tsExamples, file), path.join(app, file));

  // As the examples' own tsconfig.json checks them, against the package's published types.
  const config = JSON.parse(fs.readFileSync(path.join(tsExamples, 'tsconfig.json'), 'utf8')).compilerOptions;
  const options = ts.convertCompilerOptionsFromJson({ ...config, noEmit: true, typeRoots: [path.join(root, 'node_modules/@types')] }, app).options;
  const program = ts.createProgram(
    sources.map((f) => path.join(app, f)),
    options,
  );
  const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length) throw new Error(`examples/typescript does not type-check:\n${problems.join('\n')}`);

  for (const file of sources) {
    const out = await swc.transformFile(path.join(app, file), { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' }, swcrc: false });
    fs.writeFileSync(path.join(app, file.replace(/\.ts$/, '.js')), out.code);
  }
}, 120_000);

afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

interface Ran {
  typescript: string;
  python: string;
}

/** Hides the ids that differ between runs, so two outputs compare line for line. */
const masked = (out: string) =>
  out
    .replace(/\b(resp|mem|req|msg)_[0-9a-f]{32}\b/g, '$1_<id>')
    .replace(/\b[0-9a-f]{32}\b/g, '<trace id>')
    .replace(/\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}/, '<dates>');

for (const kind of [mockTarget, serverTarget]) {
  describe(`seed 003 examples against the ${kind.name}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await kind.start(`examples_${kind.name}`);
    });
    afterAll(() => target?.close());

    async function example(name: string, env: Record<string, string> = {}): Promise<Ran> {
      const vars = {
        PATH: process.env.PATH ?? '',
        GENAUG_API_BASE_URL: target.baseUrl,
        GENAUG_API_KEY: target.apiKey,
        GENAUG_ADMIN_KEY: target.adminKey,
        GENAUG_PROJECT_ID: target.projectId,
        ...env,
      };
      const typescript = await run(process.execPath, [path.join(app, `${name}.js`)], { env: vars, cwd: app });
      const python = await run('python3', [path.join(pyExamples, `${name.replace(/-/g, '_')}.py`)], {
        env: { ...vars, PYTHONPATH: path.join(root, 'libs/sdk-python/src') },
      });
      return { typescript: typescript.stdout, python: python.stdout };
    }

    it('create-response: one idempotent turn, its text and the ids to log', async () => {
      const out = await example('create-response');
      expect(masked(out.python)).toBe(masked(out.typescript));
      // The same idempotency key and body: the second language got the first one's response.
      expect(out.python.match(/response id: (\S+)/)![1]).toBe(out.typescript.match(/response id: (\S+)/)![1]);
      expect(out.typescript.split('\n')).toEqual([
        'text: You said: Summarize this support request and suggest the next action.',
        expect.stringMatching(/^response id: resp_[0-9a-f]{32}$/),
        'request id: req_app_123',
        expect.stringMatching(/^trace id: [0-9a-f]{32}$/),
        'model: local-balanced, tokens: 33, cost: $0.00004350',
        '',
      ]);
    });

    it('structured-output: JSON that matches the schema', async () => {
      const out = await example('structured-output');
      expect(out).toEqual({ typescript: 'seat: window seat\n', python: 'seat: window seat\n' });
    });

    it('streaming: the text as it is written, then the completed response', async () => {
      const out = await example('streaming');
      expect(masked(out.typescript)).toBe('You said: Draft a two sentence welcome message.\ncompleted: resp_<id>\n');
      expect(masked(out.python)).toBe(masked(out.typescript));
    });

    it('memory: a stored fact, found again and counted in the profile', async () => {
      const out = await example('memory');
      expect(masked(out.typescript)).toBe('stored: mem_<id> (User prefers window seats)\nfound: User prefers window seats\nprofile: 1 facts\n');
      // The idempotency key stored it once for both.
      expect(out.python).toBe(out.typescript);
    });

    it('usage: the project’s turns, tokens and cost', async () => {
      const api = contractClient(() => target);
      // The real server counts turns in a read model a moment after they end.
      const report = await api.adminEventually('/usage', (r) => r.status === 200 && r.body.totals.agent_turns >= 3);
      const out = await example('usage');
      const totals = report.body.totals;
      const expected = `usage <dates>: turns recorded\nagent turns: ${totals.agent_turns}, tokens: ${totals.total_tokens}, cost: $${totals.cost_usd.toFixed(6)}\n`;
      expect({ typescript: masked(out.typescript), python: masked(out.python) }).toEqual({ typescript: expected, python: expected });
    });

    it.each<[LimitReason, RegExp]>([
      ['user_rate_limit_exceeded', /^busy: user_rate_limit_exceeded, retry after \d+ s \(request req_[0-9a-f]{32}\)\n$/],
      ['daily_turn_limit_reached', /^usage limit reached: daily_turn_limit_reached \(request req_[0-9a-f]{32}\)\n$/],
    ])('limits: %s becomes a product state, not a crash', async (reason, line) => {
      const { apiKey, user } = await target.limitScenario!(reason);
      // Until the limit is reached (the mock refuses at once; a real server after its limit).
      for (let i = 0; i < 3; i++) {
        const res = await http(`${target.baseUrl}/v1/responses`, { headers: { authorization: `Bearer ${apiKey}` }, body: { model: 'balanced', user, input: 'hi' } });
        if (res.status !== 200) break;
      }
      const out = await example('limits', { GENAUG_API_KEY: apiKey, GENAUG_EXAMPLE_USER: user });
      expect(out.typescript).toMatch(line);
      expect(out.python).toMatch(line);
    });
  });
}
