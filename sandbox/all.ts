// The three sandboxes together, as `npm run sandbox` and the `npm start` demo run them.
import { startKantataSandbox, type KantataSandbox } from './kantata/index.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from './netsuite/index.js';
import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce/index.js';

export interface Sandboxes {
  salesforce: SalesforceSandbox;
  netsuite: NetSuiteSandbox;
  /** A second NetSuite account (the UK legal entity's), for routing by legal entity. */
  netsuiteUk: NetSuiteSandbox;
  kantata: KantataSandbox;
  close(): Promise<void>;
}

export interface SandboxPorts {
  salesforce?: number;
  netsuite?: number;
  netsuiteUk?: number;
  kantata?: number;
}

/** Account id of the second NetSuite sandbox. */
export const NETSUITE_UK_ACCOUNT_ID = '7654321_SB2';

/** Starts all three with seeded demo data; port 0 (the default) picks free ports. */
export async function startAllSandboxes(ports: SandboxPorts = {}, seedData = true): Promise<Sandboxes> {
  const salesforce = await startSalesforceSandbox({ port: ports.salesforce ?? 0, seedData });
  try {
    const netsuite = await startNetSuiteSandbox({ port: ports.netsuite ?? 0, seedData });
    try {
      const netsuiteUk = await startNetSuiteSandbox({ port: ports.netsuiteUk ?? 0, seedData, accountId: NETSUITE_UK_ACCOUNT_ID });
      try {
        const kantata = await startKantataSandbox({ port: ports.kantata ?? 0, seedData });
        return {
          salesforce,
          netsuite,
          netsuiteUk,
          kantata,
          async close() {
            await Promise.all([salesforce.close(), netsuite.close(), netsuiteUk.close(), kantata.close()]);
          },
        };
      } catch (err) {
        await netsuiteUk.close();
        throw err;
      }
    } catch (err) {
      await netsuite.close();
      throw err;
    }
  } catch (err) {
    await salesforce.close();
    throw err;
  }
}
