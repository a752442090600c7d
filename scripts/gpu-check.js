// Prints what a worker on this machine would report about its GPUs (the compiled worker's own detection).
// Used for the check on a GPU machine recorded in docs/operations.md; on a CPU-only machine it prints [].
const { detectNvidiaGpus } = require('../dist/apps/worker/src/capabilities.js');

detectNvidiaGpus().then((gpus) => console.log(JSON.stringify(gpus, null, 2)));
