/**
 * A fake Modbus device's register map, declared as data (YAML or JSON): each point names its table
 * and offset the way a KubeEdge modbus Device's visitor does (`register`, `offset`, `limit`,
 * `scale`, `isSwap`, `isRegisterSwap`), a value type, who may write it, and the generator that
 * feeds it. The schema checks what would otherwise fail on the wire: overlapping points, types in
 * the wrong table, generators whose values the type cannot carry.
 */
import { z } from 'zod';
import { ConfigInvalidError } from '../../sim/errors.js';
import { faultSchema } from './modbus-fault.js';
import { isBitTable, POINT_TYPES, REGISTER_TYPES, type Access, type RegisterType } from './modbus-types.js';
import { generatorMaxBytes, generatorRange, generatorSchema, generatorValueKind } from './value-generator.js';
import { scaledRange, valueKind, wordCount } from './value-codec.js';

const pointSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, _ and -, starting with a letter'),
    register: z.enum(REGISTER_TYPES),
    offset: z.number().int().min(0).max(0xffff),
    type: z.enum(POINT_TYPES),
    /** Registers the point occupies; derived from the type except for strings. */
    limit: z.number().int().min(1).max(125).optional(),
    scale: z.number().finite().refine((s) => s !== 0, 'scale must not be 0').default(1),
    isSwap: z.boolean().default(false),
    isRegisterSwap: z.boolean().default(false),
    /** Coils and holding registers default to ReadWrite; the input tables are ReadOnly by nature. */
    access: z.enum(['ReadWrite', 'ReadOnly']).optional(),
    /** Writes outside [min, max] are refused with illegal data value (0x03). */
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    generator: generatorSchema,
  })
  .strict();

type PointIn = z.output<typeof pointSchema>;

function checkPoint(p: PointIn, ctx: z.RefinementCtx, at: Array<string | number>): void {
  const issue = (message: string, field?: string): void => {
    ctx.addIssue({ code: 'custom', message, path: field ? [...at, field] : at });
  };
  const bits = isBitTable(p.register);
  if (bits !== (p.type === 'bool')) {
    issue(bits ? `${p.register} holds bits: type must be bool` : `bool points live in CoilRegister or DiscreteInputRegister, not ${p.register}`, 'type');
    return;
  }
  if (p.type === 'string' && p.limit === undefined) issue('a string point needs limit: how many registers it occupies', 'limit');
  if (p.type !== 'string' && p.limit !== undefined && p.limit !== wordCount({ type: p.type })) {
    issue(`a ${p.type} occupies ${wordCount({ type: p.type })} register(s); limit ${p.limit} disagrees`, 'limit');
  }
  if (bits && (p.isSwap || p.isRegisterSwap || p.scale !== 1)) issue('bits have no byte order or scale', p.isSwap ? 'isSwap' : p.isRegisterSwap ? 'isRegisterSwap' : 'scale');
  if (p.access === 'ReadWrite' && (p.register === 'InputRegister' || p.register === 'DiscreteInputRegister')) {
    issue(`${p.register} cannot be written over Modbus; access must be ReadOnly`, 'access');
  }
  if ((p.min !== undefined || p.max !== undefined) && valueKind(p.type) !== 'number') issue('min and max apply to numeric points only', 'min');
  if (p.min !== undefined && p.max !== undefined && p.min > p.max) issue('min must not be above max', 'max');

  const want = valueKind(p.type);
  const got = generatorValueKind(p.generator);
  if (want !== got) {
    issue(`a ${p.type} point needs a generator of ${want}s; this one makes ${got}s`, 'generator');
    return;
  }
  const range = generatorRange(p.generator);
  const carry = scaledRange(p);
  if (range && carry && (range.min < carry.min || range.max > carry.max)) {
    issue(`generator values ${range.min}..${range.max} do not fit ${p.type} at scale ${p.scale} (${carry.min}..${carry.max})`, 'generator');
  }
  const bytes = generatorMaxBytes(p.generator);
  if (p.type === 'string' && bytes !== undefined && p.limit !== undefined && bytes > p.limit * 2) {
    issue(`generator strings of ${bytes} bytes do not fit ${p.limit} registers (${p.limit * 2} bytes)`, 'generator');
  }
}

export const modbusProfileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    points: z.array(pointSchema).min(1),
    /** A fault every device of this profile starts with. */
    fault: faultSchema.optional(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const names = new Set<string>();
    const owners = new Map<string, string>();
    profile.points.forEach((p, i) => {
      if (names.has(p.name)) ctx.addIssue({ code: 'custom', message: `point name ${JSON.stringify(p.name)} is used twice`, path: ['points', i, 'name'] });
      names.add(p.name);
      checkPoint(p, ctx, ['points', i]);
      if (p.type === 'string' && p.limit === undefined) return;
      const width = wordCount(p);
      if (p.offset + width > 0x10000) {
        ctx.addIssue({ code: 'custom', message: `${p.name} runs past address 65535`, path: ['points', i, 'offset'] });
        return;
      }
      for (let a = p.offset; a < p.offset + width; a++) {
        const key = `${p.register}:${a}`;
        const other = owners.get(key);
        if (other !== undefined) {
          ctx.addIssue({ code: 'custom', message: `${p.register} ${a} belongs to both ${other} and ${p.name}`, path: ['points', i, 'offset'] });
          return;
        }
        owners.set(key, p.name);
      }
    });
  })
  .transform((profile) => ({
    ...profile,
    points: profile.points.map((p) => ({
      ...p,
      limit: wordCount(p),
      access: p.access ?? (defaultAccess(p.register) satisfies Access),
    })),
  }));

function defaultAccess(register: RegisterType): Access {
  return register === 'CoilRegister' || register === 'HoldingRegister' ? 'ReadWrite' : 'ReadOnly';
}

/** A checked profile: every point has its limit and access filled in. */
export type ModbusDeviceProfile = z.output<typeof modbusProfileSchema>;
/** A profile as written in a file (defaults may be left out). */
export type ModbusDeviceProfileInput = z.input<typeof modbusProfileSchema>;
export type PointDefinition = ModbusDeviceProfile['points'][number];

/** One line for the first problem: `path: reason`. */
export function describeProfileIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') reason = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return at ? `${at}: ${reason}` : reason;
}

/** Check a profile given as data; `source` names it in the error. */
export function parseModbusProfile(input: unknown, source = 'profile'): ModbusDeviceProfile {
  const r = modbusProfileSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigInvalidError(`${source}: ${describeProfileIssue(issue)}`, { source, path: issue.path.map(String).join('.') });
}
