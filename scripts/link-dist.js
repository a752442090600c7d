// Makes `require('@tessera/<lib>')` work in the compiled output. TypeScript resolves the aliases through
// tsconfig `paths` and jest through moduleNameMapper, but tsc does not rewrite them; Node looks for
// node_modules in every parent of dist/apps/..., so a package stub per lib in dist/node_modules points
// each alias at its compiled index.
const { mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
for (const lib of readdirSync(join(root, 'libs'))) {
  const dir = join(root, 'dist', 'node_modules', '@tessera', lib);
  mkdirSync(dir, { recursive: true });
  const pkg = { name: `@tessera/${lib}`, private: true, main: `../../../libs/${lib}/src/index.js` };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}
