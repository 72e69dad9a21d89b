// One SWC configuration for the build and for jest, so tests run the code that ships.
const path = require('path');
const tsconfig = require('../tsconfig.json');

const root = path.resolve(__dirname, '..');
const paths = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([k, v]) => [k, v.map((p) => `./${p}`)]),
);

module.exports = {
  root,
  options: {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: root,
      paths,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
};
