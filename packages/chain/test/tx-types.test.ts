// Each transaction type is one module of src/txs/, listed once in the registry: the shape check
// accepts exactly the registered types with exactly their fields, and no other chain source
// names a type (admission, production, import, the store and the views all ask the registry).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMON_FIELDS } from '../src/txs/common.ts';
import { TX_TYPES, validateTxShape } from '../src/txs/registry.ts';

const names = TX_TYPES.map((kind) => kind.type);
const problemOf = (value: unknown) => {
  const shape = validateTxShape(value);
  return shape.ok ? null : shape;
};

test('the registry lists each type once, and the shape check accepts exactly those types', () => {
  assert.deepEqual(names, ['transfer', 'settle', 'anchor_proof', 'bond', 'unbond', 'slash']);
  assert.equal(new Set(names).size, names.length);
  const unknown = problemOf({ body: { type: 'mint' }, signature: 'x' })!;
  assert.equal(unknown.field, 'body.type');
  assert.deepEqual([...unknown.problem.matchAll(/'(\w+)'/g)].map((match) => match[1]), names, 'the refusal names every registered type and no other');
  for (const kind of TX_TYPES) {
    assert.notEqual(problemOf({ body: { type: kind.type }, signature: 'x' })?.field, 'body.type', `${kind.type} is accepted as a type`);
    const extra = problemOf({ body: { type: kind.type, surplus: 1 }, signature: 'x' })!;
    assert.deepEqual([extra.field, extra.problem], ['body.surplus', `is not a ${kind.type} field`]);
    for (const field of [...COMMON_FIELDS, ...kind.fields]) {
      assert.notEqual(problemOf({ body: { type: kind.type, [field]: undefined }, signature: 'x' })?.problem, `is not a ${kind.type} field`, `${kind.type}.${field} is a field`);
    }
  }
});

test('no chain source outside its module names a transaction type', () => {
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const sources = (readdirSync(src, { recursive: true }) as string[]).filter((path) => path.endsWith('.ts') && !path.endsWith('.test.ts'));
  for (const name of names) {
    const naming = sources.filter((path) => new RegExp(`['"\`]${name}['"\`]`).test(readFileSync(join(src, path), 'utf8')));
    assert.equal(naming.length, 1, `${name} is named in ${naming.join(', ')}`);
    assert.match(naming[0]!, /^txs\/[\w-]+\.ts$/, `${name} is defined in its module`);
  }
});
