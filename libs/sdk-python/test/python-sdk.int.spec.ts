import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '@genaug/kernel';
import { encodeSseEvent, parseCreateResponseRequest, ResponseSequencer, SSE_DONE, SSE_KEEP_ALIVE } from '@genaug/responses';

// Runs the Python SDK's own unittest suite (standard library only) so `npm test` covers it,
// and keeps its streaming fixture equal to what the server's contract code emits.

const run = promisify(execFile);
const root = resolve(__dirname, '..');
const fixture = join(__dirname, 'fixtures/text-stream.sse');

/** The SSE body the API sends for a streamed text answer, built by the shared contract code. */
function contractTextStream(): string {
  let n = 0;
  const seq = new ResponseSequencer({
    request: parseCreateResponseRequest({ model: 'balanced', user: 'app-user-123', input: 'Draft a two sentence welcome message.', stream: true }),
    responseId: 'resp_stream_1',
    clock: new ManualClock(new Date('2026-04-01T12:00:00Z')),
    itemId: (kind) => `${kind}_${++n}`,
  });
  const events = [
    ...['Welcome ', 'to the café 👋', '\nWe are glad you are here.'].flatMap((delta) => seq.push({ type: 'text.delta', delta })),
    ...seq.push({ type: 'completed', usage: { inputTokens: 12, outputTokens: 9 } }),
  ];
  const frames = events.map(encodeSseEvent);
  frames.splice(4, 0, SSE_KEEP_ALIVE);
  return frames.join('') + SSE_DONE;
}

describe('Python SDK (genaug)', () => {
  it('streams the fixture the contract code produces today', () => {
    const expected = contractTextStream();
    if (process.env.GENAUG_UPDATE_FIXTURES) writeFileSync(fixture, expected);
    expect(readFileSync(fixture, 'utf8')).toBe(expected);
  });

  it('passes its unittest suite', async () => {
    const result = await run('python3', ['-m', 'unittest', 'discover', '-s', 'test', '-p', 'test_*.py'], {
      cwd: root,
      env: { ...process.env, PYTHONPATH: join(root, 'src'), PYTHONDONTWRITEBYTECODE: '1' },
    }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`python3 -m unittest failed:\n${err.stderr ?? ''}${err.stdout ?? ''}`);
    });
    // unittest reports on stderr: "Ran N tests … OK".
    expect(result.stderr).toMatch(/Ran \d+ tests/);
    expect(result.stderr).toMatch(/\nOK\s*$/);
    const ran = Number(/Ran (\d+) tests/.exec(result.stderr)?.[1]);
    expect(ran).toBeGreaterThanOrEqual(20);
  });
});
