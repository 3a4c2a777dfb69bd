// syncwright-survivorship: merges the CRM's and the ERP's record of the same customer (or contact) field by field,
// each field won by the system its rule names — the golden record an upsert then writes. The rules are plain
// data in the node's editor; the merge is in rules.ts.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { validateCanonical } from '../../canonical/validate.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { propertyReader } from '../../runtime-plugins/red/evaluate.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status, statusUpdater } from '../../runtime-plugins/red/status.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { isWinner, OBJECT_KINDS, parseRules, SCHEMA_OF, survive, type FieldRule, type ObjectKind, type Winner } from './rules.js';

const CONFIG_VERSION = 1;

interface SurvivorshipConfig extends NodeDef {
  version?: number;
  object: string;
  crm: string;
  crmType: string;
  erp: string;
  erpType: string;
  output: string;
  rules: unknown;
  defaultWinner: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dataError(message: string, code: string, field: string): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: 'survivorship', fields: [field] });
}

export = function register(RED: NodeAPI): void {
  function SurvivorshipNode(this: Node, raw: SurvivorshipConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SurvivorshipConfig>(raw, [], CONFIG_VERSION);
    let kind: ObjectKind;
    let rules: FieldRule[];
    let defaultWinner: Winner;
    const output = (config.output || 'payload').trim();
    // The setting being checked: a message refused for a bad configuration names it.
    let field = 'object';
    try {
      if (!(OBJECT_KINDS as readonly string[]).includes(config.object)) throw new Error(`object "${config.object}" must be account or contact`);
      kind = config.object as ObjectKind;
      field = 'rules';
      rules = parseRules(config.rules, kind);
      field = 'defaultWinner';
      const d = config.defaultWinner || 'crm';
      if (!isWinner(d)) throw new Error(`the default winner must be crm, erp or most-recent, not "${d}"`);
      defaultWinner = d;
      field = 'output';
      if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(output)) throw new Error(`output "${output}" is not a msg property path`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(brief(message)));
      node.error(`Invalid configuration: ${message}`);
      node.on('input', (msg, _send, done) => {
        failMessage(msg, dataError(`invalid configuration: ${message}`, 'INVALID_NODE_SETTING', field), done, 'survivorship');
      });
      return;
    }
    const crmPath = config.crm || 'payload.crm';
    const erpPath = config.erp || 'payload.erp';
    const readCrm = propertyReader(RED, node, crmPath, config.crmType || 'msg');
    const readErp = propertyReader(RED, node, erpPath, config.erpType || 'msg');
    node.status(status.idle(`${kind} · ${rules.length} rule${rules.length === 1 ? '' : 's'}`));
    // At most two status updates a second, however many records pass (an account load sends thousands).
    const shown = statusUpdater(node);
    node.on('close', () => shown.stop());

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as NodeMessageInFlow & { survivorship?: unknown };
      const work = async (): Promise<void> => {
        const crm = await readCrm(msg);
        const erp = await readErp(msg);
        if (!isRecord(crm)) throw dataError(`the CRM record (${crmPath}) is ${crm === undefined ? 'missing' : 'not an object'}`, 'INVALID_PAYLOAD', crmPath);
        if (erp !== undefined && erp !== null && !isRecord(erp)) throw dataError(`the ERP record (${erpPath}) is not an object`, 'INVALID_PAYLOAD', erpPath);
        const merged = survive(crm, isRecord(erp) ? erp : undefined, rules, defaultWinner);
        const checked = validateCanonical(SCHEMA_OF[kind], merged.record);
        if (!checked.ok) {
          const first = checked.errors[0];
          throw dataError(`the surviving ${kind} is not a valid ${SCHEMA_OF[kind]}: ${first?.path ?? ''} ${first?.message ?? ''}`, 'INVALID_SURVIVOR', first?.path ?? '');
        }
        RED.util.setMessageProperty(msg, output, checked.value, true);
        const fromErp = Object.values(merged.decisions).filter((d) => d.from === 'erp').length;
        msg.survivorship = { decisions: merged.decisions, crmUpdatedAt: crm['updatedAt'], erpUpdatedAt: isRecord(erp) ? erp['updatedAt'] : undefined };
        shown.set(status.working(brief(isRecord(erp) ? `${Object.keys(merged.decisions).length} fields · ${fromErp} from the ERP` : 'no ERP record: the CRM\'s as it is')));
        send(msg);
        done();
      };
      work().catch((err: unknown) => {
        const e = failMessage(msg, err, done, 'survivorship');
        shown.set(status.failing(brief(`${e.syncwright.class} ${e.syncwright.fields?.[0] ?? e.syncwright.code}`)));
      });
    });
  }

  RED.nodes.registerType('syncwright-survivorship', SurvivorshipNode);
};
