/**
 * Reads a device profile from a YAML or JSON file. A problem is reported as `file:line:col: path:
 * reason` at the offending value, so an editor can jump to it.
 */
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigInvalidError } from '../../sim/errors.js';
import { describeProfileIssue, modbusProfileSchema, type ModbusDeviceProfile } from './device-profile.js';

export function loadModbusProfileFile(file: string): ModbusDeviceProfile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw new ConfigInvalidError(`${file}: cannot read device profile (${why})`, { file });
  }
  return parseModbusProfileText(text, file);
}

/** Parse profile text; `file` is used in messages only. */
export function parseModbusProfileText(text: string, file: string): ModbusDeviceProfile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const p = lines.linePos(yamlError.pos[0]);
    throw new ConfigInvalidError(`${file}:${p.line}:${p.col}: not valid YAML: ${yamlError.message.split('\n')[0]}`, { file, line: p.line, column: p.col });
  }
  const r = modbusProfileSchema.safeParse(doc.toJS());
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const p = lines.linePos(offsetOf(doc, issue.path));
  throw new ConfigInvalidError(`${file}:${p.line}:${p.col}: ${describeProfileIssue(issue)}`, { file, line: p.line, column: p.col });
}

/** Start of the deepest node of `path` that exists in the document. */
function offsetOf(doc: Document, path: ReadonlyArray<PropertyKey>): number {
  const keys = path.map((k) => (typeof k === 'symbol' ? String(k) : k)) as Array<string | number>;
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}
