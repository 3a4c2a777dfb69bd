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

type TestFlow = Parameters<typeof helper.load>[1];

/**
 * A flow for helper.load: nodes on a tab (`z`) get a position, without which Node-RED would take them for
 * config nodes of that tab.
 */
export function testFlow(nodes: Array<Record<string, unknown>>): TestFlow {
  return nodes.map((n) => (n['z'] !== undefined && n['type'] !== 'tab' && n['x'] === undefined ? { x: 100, y: 100, ...n } : n)) as unknown as TestFlow;
}
