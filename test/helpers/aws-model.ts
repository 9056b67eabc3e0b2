/**
 * Checks a request against the constraints AWS publishes for it: the service's Smithy model
 * (aws/api-models-aws), transcribed to test/fixtures/aws-models/<service>.json by
 * extract-aws-model.mjs. Reports every broken rule with a dot path: unknown members, missing
 * required members, wrong types, enum values, ranges, lengths and patterns.
 */
import { readFileSync } from 'node:fs';

interface MemberRef {
  target: string;
  required?: boolean;
  idempotencyToken?: boolean;
  range?: { min?: number; max?: number };
  length?: { min?: number; max?: number };
  pattern?: string;
  enum?: Array<string | number>;
}

interface Shape extends Omit<MemberRef, 'target'> {
  type: string;
  members?: Record<string, MemberRef>;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
}

export interface ServiceModel {
  service: string;
  source: { repository: string; commit: string; path: string };
  operations: Record<string, string | null>;
  shapes: Record<string, Shape>;
}

const cache = new Map<string, ServiceModel>();

/** The transcribed model of a service ("medialive", "s3", "mediastore-data"...). */
export function loadServiceModel(service: string): ServiceModel {
  let model = cache.get(service);
  if (!model) {
    const file = new URL(`../fixtures/aws-models/${service}.json`, import.meta.url);
    model = { service, ...JSON.parse(readFileSync(file, 'utf8')) } as ServiceModel;
    cache.set(service, model);
  }
  return model;
}

/** Smithy's prelude types, and the bounds its integer types carry without a range trait. */
const PRELUDE: Record<string, string> = {
  String: 'string', Integer: 'integer', PrimitiveInteger: 'integer', Long: 'long', PrimitiveLong: 'long',
  Short: 'short', PrimitiveShort: 'short', Byte: 'byte', PrimitiveByte: 'byte', Float: 'float', PrimitiveFloat: 'float',
  Double: 'double', PrimitiveDouble: 'double', Boolean: 'boolean', PrimitiveBoolean: 'boolean', Timestamp: 'timestamp',
  Blob: 'blob', Document: 'document', BigInteger: 'bigInteger', BigDecimal: 'bigDecimal', Unit: 'structure',
};
const INT_BOUNDS: Record<string, [number, number]> = {
  byte: [-(2 ** 7), 2 ** 7 - 1],
  short: [-(2 ** 15), 2 ** 15 - 1],
  integer: [-(2 ** 31), 2 ** 31 - 1],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const patterns = new Map<string, RegExp>();
function compile(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    // Smithy patterns are ECMA 262; \p{..} classes need the "u" flag, which a few older patterns do not survive.
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = new RegExp(pattern);
    }
    patterns.set(pattern, re);
  }
  return re;
}

/** Every way `input` breaks the model of `operation`, each as "path: problem". Empty when it conforms. */
export function checkRequest(model: ServiceModel, operation: string, input: unknown): string[] {
  if (!(operation in model.operations)) return [`${model.service} ${operation}: not an operation in the transcribed model (regenerate it with extract-aws-model.mjs)`];
  const root = model.operations[operation];
  const errors: string[] = [];
  if (root === null) {
    if (input && typeof input === 'object' && Object.values(input).some((v) => v !== undefined)) errors.push('(input): the operation takes no input');
    return errors;
  }
  checkValue(model, { target: root }, input, '', errors);
  return errors;
}

function checkValue(model: ServiceModel, ref: MemberRef, value: unknown, path: string, errors: string[]): void {
  const at = path || '(input)';
  const shape: Shape = model.shapes[ref.target] ?? { type: PRELUDE[ref.target] ?? 'unknown' };
  if (shape.type === 'unknown') {
    errors.push(`${at}: shape ${ref.target} is not in the transcribed model`);
    return;
  }
  // Constraints of the member override those of its target shape.
  const c = { ...shape, ...withoutTarget(ref) };
  switch (shape.type) {
    case 'structure':
    case 'union': {
      if (!isPlainObject(value)) return void errors.push(`${at}: expected an object`);
      const members = shape.members ?? {};
      const present = Object.keys(value).filter((k) => value[k] !== undefined);
      for (const k of present) {
        if (!(k in members)) errors.push(`${join(path, k)}: unknown member (allowed: ${Object.keys(members).join(', ')})`);
      }
      if (shape.type === 'union' && present.length !== 1) errors.push(`${at}: a union takes exactly one member (got ${present.length})`);
      for (const [k, m] of Object.entries(members)) {
        if (value[k] === undefined) {
          if (m.required && !m.idempotencyToken) errors.push(`${join(path, k)}: required`);
        } else {
          checkValue(model, m, value[k], join(path, k), errors);
        }
      }
      return;
    }
    case 'list':
    case 'set': {
      if (!Array.isArray(value)) return void errors.push(`${at}: expected a list`);
      checkLength(c.length, value.length, at, 'entries', errors);
      value.forEach((v, i) => checkValue(model, shape.member!, v, `${path}[${i}]`, errors));
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return void errors.push(`${at}: expected a map`);
      const entries = Object.entries(value).filter(([, v]) => v !== undefined);
      checkLength(c.length, entries.length, at, 'entries', errors);
      for (const [k, v] of entries) {
        checkValue(model, shape.key!, k, `${at}{key ${JSON.stringify(k)}}`, errors);
        checkValue(model, shape.value!, v, join(path, k), errors);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return void errors.push(`${at}: expected a string, got ${typeof value}`);
      checkLength(c.length, [...value].length, at, 'characters', errors);
      if (c.pattern && !compile(c.pattern).test(value)) errors.push(`${at}: ${JSON.stringify(value)} does not match ${c.pattern}`);
      if (c.enum && !c.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${c.enum.join(', ')}`);
      return;
    }
    case 'enum':
    case 'intEnum':
      if (!shape.enum!.includes(value as string | number)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${shape.enum!.join(', ')}`);
      return;
    case 'byte':
    case 'short':
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return void errors.push(`${at}: expected a whole number, got ${JSON.stringify(value)}`);
      const [lo, hi] = INT_BOUNDS[shape.type]!;
      if (value < lo || value > hi) errors.push(`${at}: ${value} does not fit a ${shape.type} (${lo} to ${hi})`);
      checkRange(c.range, value, at, errors);
      return;
    }
    case 'float':
    case 'double':
    case 'bigDecimal':
    case 'bigInteger':
      if (typeof value !== 'number' || !Number.isFinite(value)) return void errors.push(`${at}: expected a number, got ${JSON.stringify(value)}`);
      checkRange(c.range, value, at, errors);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${at}: expected true or false, got ${JSON.stringify(value)}`);
      return;
    case 'timestamp':
      if (!(value instanceof Date) && typeof value !== 'number' && typeof value !== 'string') errors.push(`${at}: expected a timestamp`);
      return;
    case 'blob': {
      const size = typeof value === 'string' ? Buffer.byteLength(value) : value instanceof Uint8Array ? value.byteLength : undefined;
      if (size === undefined) {
        // A stream body: its length is not known before it is sent.
        if (!(value && typeof (value as { pipe?: unknown }).pipe === 'function')) errors.push(`${at}: expected bytes, a string or a stream`);
        return;
      }
      checkLength(c.length, size, at, 'bytes', errors);
      return;
    }
    case 'document':
      return;
    default:
      errors.push(`${at}: the validator does not know shape type ${shape.type}`);
  }
}

function checkLength(length: { min?: number; max?: number } | undefined, n: number, at: string, unit: string, errors: string[]): void {
  if (!length) return;
  if (length.min !== undefined && n < length.min) errors.push(`${at}: ${n} ${unit}, at least ${length.min} needed`);
  if (length.max !== undefined && n > length.max) errors.push(`${at}: ${n} ${unit}, at most ${length.max} allowed`);
}

function checkRange(range: { min?: number; max?: number } | undefined, n: number, at: string, errors: string[]): void {
  if (!range) return;
  if (range.min !== undefined && n < range.min) errors.push(`${at}: ${n} is below the minimum ${range.min}`);
  if (range.max !== undefined && n > range.max) errors.push(`${at}: ${n} is above the maximum ${range.max}`);
}

function withoutTarget(ref: MemberRef): Partial<MemberRef> {
  const { target: _target, required: _required, idempotencyToken: _token, ...rest } = ref;
  return rest;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
