import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { defaults } from '../../environments/defaults';
import { accountSchema } from '../../environments/schema';
import { answerHelp } from '../../build/cli-help';

/**
 * `npm run docs`: writes docs/configuration.md, the reference of every account setting, from the
 * schema (environments/schema.ts: types, ranges and each field's `.describe()` text, read through
 * zod's own JSON Schema conversion) and the defaults (environments/defaults.ts), so it cannot drift.
 *   npm run docs               write docs/configuration.md
 *   npm run docs -- --check    exit 1 if it is stale (nothing written)
 */

export const CONFIGURATION_DOC = path.join('docs', 'configuration.md');
export const REGENERATE_COMMAND = 'npm run docs';
const USAGE = `Usage: ${REGENERATE_COMMAND} [-- --check]   (writes ${CONFIGURATION_DOC} from environments/schema.ts and environments/defaults.ts; --check: exit 1 if it is stale)`;

/** The part of JSON Schema (draft 2020-12) that z.toJSONSchema writes for this schema. */
export interface JsonSchema {
  type?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

/** One setting: a leaf of the schema (a value an account file writes), with its place and meaning. */
export interface Field {
  path: string;
  schema: JsonSchema;
  required: boolean;
  /** The top-level key it belongs to ('' for the account's own scalar fields). */
  section: string;
}

export class UndescribedFieldError extends Error {}

/** The schema as JSON Schema, through zod's own conversion (types, ranges, descriptions). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
}

const isObject = (s: JsonSchema) => s.type === 'object' && s.properties !== undefined;

/** Every leaf field, depth first in schema order: objects open up, so do maps and lists of objects. */
export function fieldsOf(root: JsonSchema): Field[] {
  const fields: Field[] = [];
  const walk = (schema: JsonSchema, prefix: string, section: string, required: boolean) => {
    if (isObject(schema)) {
      for (const [key, child] of Object.entries(schema.properties!)) {
        const childPath = prefix ? `${prefix}.${key}` : key;
        walk(child, childPath, section || (isContainer(child) ? key : ''), required && (schema.required ?? []).includes(key));
      }
    } else if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && isObject(schema.additionalProperties)) {
      walk(schema.additionalProperties, `${prefix}.<name>`, section, false);
    } else if (schema.type === 'array' && schema.items && isObject(schema.items)) {
      walk(schema.items, `${prefix}[]`, section, false);
    } else {
      fields.push({ path: prefix, schema, required, section });
    }
  };
  walk(root, '', '', true);
  return fields;
}

/** Objects, maps of objects and lists of objects get a section of their own. */
function isContainer(schema: JsonSchema): boolean {
  if (isObject(schema)) return true;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return isObject(schema.additionalProperties);
  return schema.type === 'array' && schema.items !== undefined && isObject(schema.items);
}

const code = (value: unknown) => `\`${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** "integer", "list of string", "map of string to string", "integer or 'off'". */
export function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) {
    const consts = schema.anyOf.filter((s) => s.const !== undefined);
    if (consts.length === schema.anyOf.length) return [...new Set(consts.map((s) => (Number.isInteger(s.const) ? 'integer' : (s.type ?? 'value'))))].join(' or ');
    return schema.anyOf.map((s) => (s.const !== undefined ? code(s.const) : typeOf(s))).join(' or ');
  }
  if (schema.const !== undefined) return code(schema.const);
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') return `map of ${schema.propertyNames?.type ?? 'string'} to ${typeOf(schema.additionalProperties)}`;
  if (schema.format === 'email') return 'email address';
  return schema.type ?? 'value';
}

/** What values the schema admits beyond its type: bounds, choices, patterns, lengths. */
export function rangeOf(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.anyOf) {
    const consts = schema.anyOf.filter((s) => s.const !== undefined);
    if (consts.length === schema.anyOf.length) return `one of ${consts.map((s) => s.const).join(', ')}`;
    return schema.anyOf.map(rangeOf).filter(Boolean).join('; ');
  }
  if (schema.enum) parts.push(`one of ${schema.enum.map(code).join(', ')}`);
  const max = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  if (schema.exclusiveMinimum !== undefined) parts.push(max !== undefined ? `> ${schema.exclusiveMinimum} and <= ${max}` : `> ${schema.exclusiveMinimum}`);
  else if (schema.minimum !== undefined) parts.push(max !== undefined ? `${schema.minimum}-${max}` : `>= ${schema.minimum}`);
  else if (max !== undefined) parts.push(`<= ${max}`);
  if (schema.minLength !== undefined) parts.push(`at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  if (schema.format === 'includes' && schema.pattern) parts.push(`contains \`${schema.pattern.replace(/\\(.)/g, '$1')}\``);
  else if (schema.pattern && schema.format !== 'email') parts.push(`matches \`${schema.pattern}\``);
  if (schema.minItems !== undefined && schema.minItems === schema.maxItems) parts.push(`exactly ${schema.minItems} items`);
  else if (schema.minItems !== undefined) parts.push(`at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
  if (schema.items) {
    const each = rangeOf(schema.items);
    if (each) parts.push(`each ${each}`);
  }
  if (schema.propertyNames?.pattern) parts.push(`keys match \`${schema.propertyNames.pattern}\``);
  if (typeof schema.additionalProperties === 'object') {
    const values = rangeOf(schema.additionalProperties);
    if (values) parts.push(`values ${values}`);
  }
  return parts.join('; ');
}

/** The unit a field's name carries, by the naming rule of the schema (fooDays, fooMs, fooPercent ...). */
const UNITS: [RegExp, string][] = [
  [/Per5Minutes$/, 'requests per 5 minutes'],
  [/Days$/, 'days'],
  [/Seconds$/, 'seconds'],
  [/Minutes$/, 'minutes'],
  [/Ms$/, 'milliseconds'],
  [/MiB$/, 'MiB'],
  [/GiB$/, 'GiB'],
  [/Bytes$/, 'bytes'],
  [/Percent(OfMax|OfTimeout)?$/, 'percent'],
];
export function unitOf(fieldPath: string): string {
  const name = fieldPath.split('.').at(-1)!;
  return UNITS.find(([pattern]) => pattern.test(name))?.[1] ?? '';
}

/** The default of a field: its value in environments/defaults.ts, or what applies without one. */
function defaultOf(field: Field, defaultValues: unknown): string {
  let value: unknown = defaultValues;
  for (const key of field.path.split('.')) value = value !== null && typeof value === 'object' && !key.includes('<') && !key.endsWith('[]') ? (value as Record<string, unknown>)[key] : undefined;
  if (value !== undefined) return Array.isArray(value) ? (value.length ? value.map(code).join(', ') : 'none (`[]`)') : code(value);
  return field.required ? 'required in the account file' : 'not set';
}

/** docs/configuration.md for `schema` and `defaultValues`; refuses a field without a description. */
export function renderConfigurationDoc(schema: z.ZodType = accountSchema, defaultValues: unknown = defaults): string {
  const json = jsonSchemaOf(schema);
  const fields = fieldsOf(json);
  const undescribed = fields.filter((field) => !field.schema.description?.trim()).map((field) => field.path);
  if (undescribed.length) {
    throw new UndescribedFieldError(
      `environments/schema.ts: ${undescribed.join(', ')}: no description; add .describe('what it means') to each field, so docs/configuration.md can say what it is, then run ${REGENERATE_COMMAND}`,
    );
  }
  const lines = [
    `<!-- generated by \`${REGENERATE_COMMAND}\` from environments/schema.ts and environments/defaults.ts; do not edit by hand -->`,
    '# Configuration reference',
    '',
    'Every setting of an account, as `environments/schema.ts` validates it after the defaults',
    '(`environments/defaults.ts`), the account file (`environments/accounts/<account>.ts`) and any',
    'overrides are merged (how the layers work and how to add an account: [accounts.md](accounts.md)).',
    'An account file lists only what differs from the defaults. Every object is strict: a field not',
    'listed here is refused. Rules across fields (two different zones of the region, subnets inside',
    'the VPC, no value that identifies another account, `github.applyBranch` or `github.applyEnvironment`',
    'but not both ...) are checked too, and every error names the file, the field and the fix.',
    '',
  ];
  const sections = [...new Set(fields.map((field) => field.section))];
  for (const section of sections) {
    const intro = section ? json.properties![section].description : 'The account itself.';
    lines.push(`## ${section ? `\`${section}\`` : 'Account'}`, '');
    if (intro) lines.push(intro, '');
    lines.push('| field | type | default | unit | range | meaning |', '|---|---|---|---|---|---|');
    for (const field of fields.filter((f) => f.section === section)) {
      const row = [`\`${field.path}\``, typeOf(field.schema), defaultOf(field, defaultValues), unitOf(field.path), rangeOf(field.schema), field.schema.description!.trim()];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function main(args: readonly string[], file: string = CONFIGURATION_DOC): number {
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length) {
    console.error(`Unknown option ${unknown.join(', ')}\n${USAGE}`);
    return 1;
  }
  const expected = renderConfigurationDoc();
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (args.includes('--check')) {
    if (current === expected) return 0;
    console.error(`${file} is stale: it no longer matches environments/schema.ts and environments/defaults.ts. Run \`${REGENERATE_COMMAND}\` and commit the result.`);
    return 1;
  }
  if (current !== expected) fs.writeFileSync(file, expected);
  console.log(current === expected ? `${file} already current` : `Wrote ${file}`);
  return 0;
}

if (require.main === module) {
  answerHelp(USAGE);
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.error('Nothing was written.');
    process.exit(1);
  }
}
