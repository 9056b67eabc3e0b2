#!/usr/bin/env node
/**
 * Transcribes, from AWS's published Smithy model of a service (aws/api-models-aws), the
 * constraints a request must meet: for each operation's input, the shapes it reaches with their
 * types, required members, enum values, ranges, lengths and patterns. Documentation and
 * everything else are left out; the model file itself is not kept in this repository.
 *
 *   node test/helpers/extract-aws-model.mjs <model.json> <service> <commit> <path in repo> [Operation ...]
 *
 * Without operations, every operation of the service is transcribed. Writes
 * test/fixtures/aws-models/<service>.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const [file, service, commit, repoPath, ...only] = process.argv.slice(2);
if (!file || !service || !commit || !repoPath) {
  console.error('usage: extract-aws-model.mjs <model.json> <service> <commit> <path in repo> [Operation ...]');
  process.exit(2);
}
const model = JSON.parse(readFileSync(file, 'utf8'));
const shapes = model.shapes;
const PRELUDE = 'smithy.api#';
const short = (id) => (id.startsWith(PRELUDE) ? id.slice(PRELUDE.length) : id.split('#')[1]);

/** Only the traits a request is checked against. */
function constraints(traits = {}) {
  const out = {};
  if (traits['smithy.api#required']) out.required = true;
  if (traits['smithy.api#idempotencyToken']) out.idempotencyToken = true;
  if (traits['smithy.api#range']) out.range = traits['smithy.api#range'];
  if (traits['smithy.api#length']) out.length = traits['smithy.api#length'];
  if (traits['smithy.api#pattern']) out.pattern = traits['smithy.api#pattern'];
  if (traits['smithy.api#enum']) out.enum = traits['smithy.api#enum'].map((e) => e.value);
  return out;
}

const out = {};
function visit(id) {
  const name = short(id);
  if (id.startsWith(PRELUDE) || out[name]) return name;
  const s = shapes[id];
  if (!s) throw new Error(`shape ${id} not in the model`);
  const entry = { type: s.type, ...constraints(s.traits) };
  out[name] = entry;
  if (s.type === 'enum') entry.enum = Object.entries(s.members).map(([k, m]) => m.traits?.['smithy.api#enumValue'] ?? k);
  if (s.type === 'intEnum') entry.enum = Object.values(s.members).map((m) => m.traits['smithy.api#enumValue']);
  if (s.type === 'structure' || s.type === 'union') {
    entry.members = {};
    for (const [k, m] of Object.entries(s.members ?? {})) entry.members[k] = { target: visit(m.target), ...constraints(m.traits) };
  }
  if (s.type === 'list' || s.type === 'set') entry.member = { target: visit(s.member.target), ...constraints(s.member.traits) };
  if (s.type === 'map') {
    entry.key = { target: visit(s.key.target), ...constraints(s.key.traits) };
    entry.value = { target: visit(s.value.target), ...constraints(s.value.traits) };
  }
  return name;
}

const operations = {};
for (const [id, s] of Object.entries(shapes)) {
  if (s.type !== 'operation') continue;
  const op = short(id);
  if (only.length > 0 && !only.includes(op)) continue;
  operations[op] = s.input ? visit(s.input.target) : null;
}
const missing = only.filter((op) => !(op in operations));
if (missing.length > 0) throw new Error(`not operations of ${service}: ${missing.join(', ')}`);

const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
const doc = {
  source: { repository: 'aws/api-models-aws', commit, path: repoPath, note: 'constraints only, transcribed by test/helpers/extract-aws-model.mjs' },
  operations: Object.fromEntries(Object.keys(operations).sort().map((k) => [k, operations[k]])),
  shapes: sorted,
};
const target = new URL(`../fixtures/aws-models/${service}.json`, import.meta.url);
writeFileSync(target, `${JSON.stringify(doc)}\n`);
console.log(`${service}: ${Object.keys(operations).length} operations, ${Object.keys(sorted).length} shapes -> ${target.pathname}`);
