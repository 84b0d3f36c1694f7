import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base64urlnopad } from '@scure/base';
import { base64urlDecode, base64urlEncode, fromHex, sha256Hex, toHex, utf8 } from './encoding.ts';
import { REQUEST_ID_PATTERN, newId, randomHex } from './ids.ts';

test('hex, UTF-8 and SHA-256 against known values', () => {
  assert.equal(toHex(new Uint8Array([0, 1, 0xab, 0xff])), '0001abff');
  assert.deepEqual(fromHex('0001ABff'), new Uint8Array([0, 1, 0xab, 0xff]));
  assert.throws(() => fromHex('abc'), RangeError);
  assert.deepEqual(utf8('é€'), new Uint8Array([0xc3, 0xa9, 0xe2, 0x82, 0xac]));
  // FIPS 180-2 "abc" and the empty string.
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(new Uint8Array()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('é'), sha256Hex(utf8('é')));
});

test('base64url: no padding out, strict in', () => {
  assert.equal(base64urlEncode(new Uint8Array([0xfb, 0xff])), '-_8');
  assert.deepEqual(base64urlDecode('-_8'), new Uint8Array([0xfb, 0xff]));
  assert.equal(base64urlEncode(new Uint8Array()), '');
  // Padding, the standard alphabet, whitespace, impossible lengths, non-zero trailing bits.
  for (const bad of ['-_8=', '+/8', ' -_8', 'A', 'AR']) assert.throws(() => base64urlDecode(bad), RangeError, bad);
});

test('ids are the prefix and 24 random hex digits', () => {
  assert.match(randomHex(4), /^[0-9a-f]{8}$/);
  const id = newId('job');
  assert.match(id, /^job-[0-9a-f]{24}$/);
  assert.notEqual(newId('job'), id);
  assert.ok(REQUEST_ID_PATTERN.test(id));
  for (const bad of ['', 'a b', 'x'.repeat(65), 'é', 'a/b']) assert.equal(REQUEST_ID_PATTERN.test(bad), false, bad);
});

test('base64urlDecode decodes and refuses exactly as @scure/base does (one spelling per byte string)', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ é';
  let seed = 11;
  const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  const outcome = (run: () => Uint8Array) => {
    try {
      return Array.from(run()).join(',');
    } catch {
      return 'refused';
    }
  };
  for (let i = 0; i < 20_000; i++) {
    const text = Array.from({ length: random(14) }, () => alphabet[random(i % 3 === 0 ? alphabet.length : 64)]).join('');
    assert.equal(outcome(() => base64urlDecode(text)), outcome(() => base64urlnopad.decode(text)), JSON.stringify(text));
  }
  assert.deepEqual(base64urlDecode(base64urlEncode(new Uint8Array([1, 2, 3, 250]))), new Uint8Array([1, 2, 3, 250]));
  assert.throws(() => base64urlDecode('AB'), RangeError, 'trailing bits set');
  assert.throws(() => base64urlDecode('A'), RangeError, 'a lone character');
});
