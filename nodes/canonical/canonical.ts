// syncwright-canonical: validates msg.payload against a canonical schema and starts the transaction
// context (msg.sync). Output 1 carries the normalised object, output 2 everything invalid with msg.errors.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { isSchemaId, schemaIds, validateCanonical, type FieldError } from '../../canonical/index.js';
import { propertyReader } from '../../runtime-plugins/red/evaluate.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status, statusUpdater } from '../../runtime-plugins/red/status.js';
import { startTransaction } from './transaction.js';

const CANONICAL_CONFIG_VERSION = 1;

interface CanonicalConfig extends NodeDef {
  version?: number;
  /** A schema id, or `msg` to read it from msg.sync.schema. */
  schema: string;
  businessKey: string;
  businessKeyType: string;
  sourceSystem: string;
}

type CanonicalMessage = NodeMessageInFlow & { sync?: unknown; errors?: FieldError[] };

export = function register(RED: NodeAPI): void {
  function CanonicalNode(this: Node, raw: CanonicalConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<CanonicalConfig>(raw, [], CANONICAL_CONFIG_VERSION);
    let valid = 0;
    let invalid = 0;
    const shown = statusUpdater(node);
    const readBusinessKey = propertyReader(RED, node, config.businessKey, config.businessKeyType);
    node.on('close', () => shown.stop());
    const counts = () => `${valid} valid · ${invalid} invalid`;

    if (config.schema !== 'msg' && !isSchemaId(config.schema)) {
      node.status(status.failing(`unknown schema ${config.schema}`));
      node.error(`Unknown schema "${config.schema}". Choose one of: ${schemaIds.join(', ')}`);
    } else {
      node.status(status.idle());
    }

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as CanonicalMessage;
      const reject = (errors: FieldError[]): void => {
        invalid += 1;
        msg.errors = errors;
        const first = errors[0];
        shown.set(status.failing(brief(`${counts()} · ${first ? `${first.path || 'payload'}: ${first.message}` : ''}`)));
        send([null, msg]);
        done();
      };

      const schemaId = config.schema === 'msg' ? schemaFromMessage(msg.sync) : config.schema;
      const result = validateCanonical(schemaId ?? '', msg.payload);
      if (!result.ok) return reject(result.errors);

      msg.payload = result.value;
      readBusinessKey(msg)
        .then((key) => {
          if (typeof key !== 'string' && typeof key !== 'number') {
            return reject([{ path: 'businessKey', code: 'missing_business_key', message: `the business key expression (${config.businessKeyType}: ${config.businessKey}) gave no string` }]);
          }
          const businessKey = String(key).trim();
          if (businessKey === '' || businessKey.length > 255) {
            return reject([{ path: 'businessKey', code: 'invalid_business_key', message: 'the business key must be 1 to 255 characters' }]);
          }
          const sync = startTransaction(msg.sync, { businessKey, schema: schemaId as string, sourceSystem: config.sourceSystem });
          if (!sync.ok) return reject(sync.errors);
          msg.sync = sync.value;
          valid += 1;
          shown.set(status.working(counts()));
          send([msg, null]);
          done();
        })
        .catch((err: unknown) => {
          reject([{ path: 'businessKey', code: 'expression_failed', message: `the business key expression failed: ${err instanceof Error ? err.message : String(err)}` }]);
        });
    });
  }

  RED.nodes.registerType('syncwright-canonical', CanonicalNode);
};

function schemaFromMessage(sync: unknown): string | undefined {
  if (typeof sync === 'object' && sync !== null && 'schema' in sync && typeof sync.schema === 'string') return sync.schema;
  return undefined;
}
