// `npm run demo`: bootstrap has installed and built everything; this runs `tessera demo`.
process.argv.splice(2, 0, 'demo');
require('../dist/apps/cli/src/main.js');
