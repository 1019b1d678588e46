// The trainer thread's entry. A worker thread does not inherit the loader that
// runs TypeScript in its parent (jest's transform, or ts-node's hook when the
// parent was not started with `-r ts-node/register`): register ts-node here
// when `.ts` files cannot be required yet, then load the task. A compiled
// build (training-thread.js beside this file) is used as it is.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, 'training-thread.js');
if (existsSync(compiled)) {
  module.exports = require(compiled).train;
} else {
  if (!require.extensions['.ts']) require('ts-node').register({ transpileOnly: true });
  module.exports = require('./training-thread.ts').train;
}
