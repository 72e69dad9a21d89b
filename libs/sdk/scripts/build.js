#!/usr/bin/env node
// Builds the package: dist/esm (ES modules) and dist/cjs (CommonJS), each with its .d.ts
// files beside it, so `import` and `require` both resolve code and types of their own format.
// SWC compiles, TypeScript writes the declarations (and fails the build on a type error).
const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');
const ts = require('typescript');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src');
// `--out-dir <dir>` builds elsewhere (tests build into a copy of the package of their own).
const outFlag = process.argv.indexOf('--out-dir');
const dist = outFlag === -1 ? path.join(root, 'dist') : path.resolve(process.argv[outFlag + 1]);

/** Node's ES module loader needs file extensions on relative imports; the sources leave them out. */
function withExtensions(code) {
  return code.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)\2/g, (match, lead, quote, spec) =>
    /\.(c|m)?js$/.test(spec) ? match : `${lead}${quote}${spec}.js${quote}`,
  );
}

function declarations(files, outDir) {
  const program = ts.createProgram(files, {
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: src,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  if (diagnostics.length) {
    const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    throw new Error(ts.formatDiagnostics(diagnostics, host));
  }
}

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  const files = fs.readdirSync(src).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f));
  const types = path.join(dist, 'types');
  declarations(files, types);

  for (const [format, type] of [['esm', 'es6'], ['cjs', 'commonjs']]) {
    const out = path.join(dist, format);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify({ type: format === 'esm' ? 'module' : 'commonjs' }) + '\n');
    for (const file of files) {
      const name = path.basename(file, '.ts');
      const { code } = await swc.transformFile(file, {
        swcrc: false,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type, strict: true },
        sourceMaps: false,
      });
      fs.writeFileSync(path.join(out, `${name}.js`), format === 'esm' ? withExtensions(code) : code);
      fs.writeFileSync(path.join(out, `${name}.d.ts`), withExtensions(fs.readFileSync(path.join(types, `${name}.d.ts`), 'utf8')));
    }
  }
  fs.rmSync(types, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
