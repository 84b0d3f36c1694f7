import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnpairedSurrogateError, canonicalize, hasUnpairedSurrogate } from './jcs.ts';

test('sorts keys by UTF-16 code units, recursively, without whitespace', () => {
  // RFC 8785 §3.2.3's sorting example: code-unit order puts U+20AC before U+1F600's surrogates
  // and both after ASCII; "\r" (U+000D) sorts first.
  const value = { '€': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '😀': 'Emoji: Grinning Face', '\u0080': 'Control', 'ö': 'Latin Small Letter O With Diaeresis' };
  assert.equal(
    canonicalize(value),
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  );
  assert.equal(canonicalize({ b: [3, { z: 1, a: null }], a: true }), '{"a":true,"b":[3,{"a":null,"z":1}]}');
});

test('numbers serialise as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
  const samples: [number, string][] = [[0, '0'], [-0, '0'], [1e21, '1e+21'], [1e-7, '1e-7'], [333333333.3333333, '333333333.3333333'], [4.5, '4.5'], [-1.5e-10, '-1.5e-10'], [9007199254740991, '9007199254740991']];
  for (const [value, text] of samples) assert.equal(canonicalize(value), text);
});

test('strings escape only what JSON requires', () => {
  assert.equal(canonicalize('\u2028 "q" \\ \u0001 é'), '"\u2028 \\"q\\" \\\\ \\u0001 é"');
});

test('refuses values with no JSON form, naming where', () => {
  assert.throws(() => canonicalize({ a: undefined }), /\$\.a is undefined/);
  assert.throws(() => canonicalize({ a: [1, NaN] }), /\$\.a\[1\]/);
  assert.throws(() => canonicalize(10n), TypeError);
  assert.throws(() => canonicalize(new Date(0)), /plain objects/);
  assert.throws(() => canonicalize(() => 1), TypeError);
});

test("RFC 8785 §3.2.2's example object", () => {
  const input = String.raw`{
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  }`;
  const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
  assert.equal(canonicalize(JSON.parse(input)), expected);
});

test('RFC 8785 appendix B: IEEE 754 bit patterns and their text', () => {
  const fromBits = (hex: string) => new DataView(Uint8Array.from(hex.match(/../g)!, (b) => Number.parseInt(b, 16)).buffer).getFloat64(0);
  const samples: [string, string][] = [
    ['0000000000000000', '0'], ['8000000000000000', '0'], ['0000000000000001', '5e-324'], ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'], ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'], ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'], ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'], ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'], ['444b1ae4d6e2ef4f', '999999999999999900000'], ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'], ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'], ['41b3de4355555554', '333333333.33333325'], ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'], ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'], ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, text] of samples) assert.equal(canonicalize(fromBits(bits)), text, bits);
  for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) assert.throws(() => canonicalize(fromBits(bits)), TypeError, bits);
});

test('refuses sparse arrays and unpaired surrogates, which have no portable bytes', () => {
  // eslint-disable-next-line no-sparse-arrays
  assert.throws(() => canonicalize([1, , 3]), /\$\[1\]/);
  assert.throws(() => canonicalize({ s: 'a\ud800b' }), /unpaired UTF-16 surrogate/);
  assert.throws(() => canonicalize({ ['\udc00']: 1 }), /unpaired UTF-16 surrogate/);
  // A typed TypeError that names where, so a server can answer 422 with the field.
  assert.throws(() => canonicalize({ receipt: { units: ['ok', 'x\udfff'] } }), (error: unknown) => error instanceof UnpairedSurrogateError && error instanceof TypeError && error.path === '$.receipt.units[1]');
  assert.equal(hasUnpairedSurrogate('\ud83d\ude00'), false);
  assert.equal(hasUnpairedSurrogate('\ude00\ud83d'), true);
  assert.equal(canonicalize('😀'), '"😀"');
  assert.throws(() => canonicalize(new Map()), /plain objects/);
  assert.throws(() => canonicalize(Symbol('s')), TypeError);
  assert.equal(canonicalize(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}');
});
