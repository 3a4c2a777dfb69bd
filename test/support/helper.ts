// node-red-node-test-helper, initialised once against the Node-RED the tests run with.
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

/** Stops the helper's flows and server after each test of a suite that uses it. */
export function useHelper(): typeof helper {
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });
  return helper;
}
