import * as http from 'http';
import { Pool } from 'pg';

// The reference `bench:responses` prints beside ours: a bare node:http server that makes only the
// round trips a recorded turn needs, in our order, and nothing else. A write that admits the turn,
// the request's insert alongside the upstream call, the outcome's insert, then the answer. Its
// figures are what those round trips cost on this machine; the gap to ours is our own work per
// turn (validation, governance, sealing, hash chains, read models), not the number of trips.
// With FLOOR_TRIPS=2 it makes the fewest any server can make under the same rules: the turn is
// admitted and its request recorded in one statement before the model is asked (both must
// precede the call), then the outcome is recorded before the answer.
// Run as a child process: DATABASE_URL, UPSTREAM_URL (an OpenAI-compatible base URL), PORT.

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 16 });
  await pool.query(`create table if not exists floor_admissions (key text primary key, turns bigint not null);
    create table if not exists floor_events (position bigserial primary key, stream_id text not null, data jsonb not null)`);
  const upstream = new URL(`${process.env.UPSTREAM_URL}/chat/completions`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const askModel = (input: string) =>
    new Promise<unknown>((resolve, reject) => {
      const body = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: input }] });
      const req = http.request(upstream, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end(body);
    });

  const fewest = process.env.FLOOR_TRIPS === '2';
  const admit = 'insert into floor_admissions (key, turns) values ($1, 1) on conflict (key) do update set turns = floor_admissions.turns + 1';
  const turn = async (request: { user: string; input: string }): Promise<string> => {
    const streamId = `turn-${process.hrtime.bigint()}`;
    if (fewest) {
      // The admission's row, and only then the request's: one statement, one transaction.
      await pool.query(`with admitted as (${admit} returning 1) insert into floor_events (stream_id, data) select $2, $3 from admitted`, [request.user, streamId, JSON.stringify(request)]);
      const answer = await askModel(request.input);
      await pool.query('insert into floor_events (stream_id, data) values ($1, $2)', [streamId, JSON.stringify(answer)]);
      return JSON.stringify({ id: streamId, object: 'response', status: 'completed', output: answer });
    }
    await pool.query(admit, [request.user]);
    const [, answer] = await Promise.all([
      pool.query('insert into floor_events (stream_id, data) values ($1, $2)', [streamId, JSON.stringify(request)]),
      askModel(request.input),
    ]);
    await pool.query('insert into floor_events (stream_id, data) values ($1, $2)', [streamId, JSON.stringify(answer)]);
    return JSON.stringify({ id: streamId, object: 'response', status: 'completed', output: answer });
  };

  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return void res.end('ok');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      turn(JSON.parse(body)).then(
        (out) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}

void main();
