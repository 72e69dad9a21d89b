import * as fs from 'fs';
import * as path from 'path';
import { SERVER_NODE_FLAGS } from '../src/runtime/node-flags';

// The server's Node flags are given on its command line, in each place that starts it.
describe('the server is started with its Node flags', () => {
  const root = path.resolve(__dirname, '..', '..', '..');

  it('by npm start', () => {
    const start: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts.start;
    expect(start).toContain(`node ${SERVER_NODE_FLAGS.join(' ')} dist/apps/api/src/main.js`);
  });

  it('by the api and worker images', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'infra/Dockerfile'), 'utf8');
    const flags = SERVER_NODE_FLAGS.map((f) => `"${f}"`).join(', ');
    for (const app of ['api', 'worker']) expect(dockerfile).toContain(`CMD ["node", ${flags}, "dist/apps/${app}/src/main.js"]`);
  });
});
