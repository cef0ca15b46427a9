import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encode, decode, WIRE_VERSION, MIN_WIRE_VERSION, MAX_DEPTH } from '../../src/cluster/codec.js';
import { CodecError, NodeDownError, WireFormatError } from '../../src/cluster/errors.js';
import { WeftError } from '../../src/core/errors.js';

/** Values the format promises to carry: JSON plus undefined, odd numbers, BigInt, Date, bytes, Map, Set, nested. */
const leaf = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  // Invalid dates have a test of their own: Node 20's deepStrictEqual calls two of them unequal (NaN), Node 24's equal.
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 40 }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constant('$w')), tie('value'), { maxKeys: 5, noNullPrototype: true }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((e) => new Set(e)),
}));

test('an invalid Date crosses as an invalid Date', () => {
  const back = decode(encode([new Date(NaN), { at: new Date(NaN) }])) as [Date, { at: Date }];
  assert.ok(back[0] instanceof Date && Number.isNaN(back[0].getTime()));
  assert.ok(back[1].at instanceof Date && Number.isNaN(back[1].at.getTime()));
});

test('an own "__proto__" field crosses as a field, never as a prototype', () => {
  const cases = [
    JSON.parse('{"__proto__": 0}') as object,
    JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as object,
    JSON.parse('{"$w": "x", "__proto__": [1]}') as object,
  ];
  for (const v of cases) {
    const back = decode(encode(v)) as object;
    assert.deepStrictEqual(back, structuredClone(v));
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.ok(Object.hasOwn(back, '__proto__'));
  }
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

test('every structured-clone-compatible value decodes to a deep-equal copy', () => {
  fc.assert(
    fc.property(value, (v) => {
      const back = decode(encode(v));
      // node's deepStrictEqual compares Map/Set/Date/typed arrays/-0/NaN by value.
      assert.deepStrictEqual(back, v);
    }),
    { numRuns: 1000 },
  );
});

test('the round trip matches structuredClone on the same values', () => {
  fc.assert(
    fc.property(value, (v) => {
      assert.deepStrictEqual(decode(encode(v)), structuredClone(v));
    }),
    { numRuns: 300 },
  );
});

test('the first byte is the lowest wire version that carries the value, and the body is JSON', () => {
  const bytes = encode({ a: 1 });
  assert.equal(bytes[0], MIN_WIRE_VERSION); // no actor ref: version 1, readable by older builds
  assert.equal(WIRE_VERSION, 2);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(1))), { a: 1 });
});

test('undefined inside objects and arrays, holes, -0, NaN and Infinity survive', () => {
  const v = { u: undefined, arr: [1, , 3], z: -0, n: NaN, i: -Infinity };
  const back = decode(encode(v)) as typeof v;
  assert.ok('u' in back && back.u === undefined);
  assert.deepEqual(back.arr, [1, undefined, 3]);
  assert.ok(Object.is(back.z, -0) && Number.isNaN(back.n) && back.i === -Infinity);
});

test('a Buffer decodes as a plain Uint8Array holding only its own bytes', () => {
  const big = Buffer.from('hello world');
  const view = big.subarray(6);
  const back = decode(encode(view)) as Uint8Array;
  assert.equal(Object.getPrototypeOf(back), Uint8Array.prototype);
  assert.equal(Buffer.from(back).toString(), 'world');
});

test('functions, symbols and class instances are refused with CodecError naming the path', () => {
  class Point {
    x = 1;
  }
  const cases: [unknown, string, RegExp][] = [
    [{ a: { f: () => 1 } }, 'value.a.f', /function/],
    [[1, Symbol('s')], 'value[1]', /symbol/],
    [{ p: new Point() }, 'value.p', /class instance \(Point\)/],
    [new Map([['k', new WeakMap()]]), 'value.get(<key 0>)', /WeakMap/],
  ];
  for (const [v, path, why] of cases) {
    assert.throws(
      () => encode(v),
      (e: unknown) => e instanceof CodecError && e instanceof WeftError && e.path === path && why.test(e.message),
    );
  }
});

test('a cycle is refused and says it is a cycle, while a shared (acyclic) reference is copied', () => {
  const a: Record<string, unknown> = { name: 'a' };
  a['self'] = { back: a };
  assert.throws(
    () => encode(a),
    (e: unknown) =>
      e instanceof CodecError &&
      e.code === 'ERR_CLUSTER_CODEC' &&
      /cycle/.test(e.message) &&
      e.path === 'value.self.back',
  );
  const shared = { n: 1 };
  const back = decode(encode({ x: shared, y: shared })) as { x: object; y: object };
  assert.deepEqual(back.x, { n: 1 });
  assert.notEqual(back.x, back.y);
});

test('nesting deeper than MAX_DEPTH is refused', () => {
  let deep: unknown = 1;
  for (let i = 0; i < MAX_DEPTH + 1; i++) deep = [deep];
  assert.throws(() => encode(deep), CodecError);
});

test('errors cross with name, message, code and cause; weft errors keep their class', () => {
  const e = new NodeDownError('n1');
  const back = decode(encode(new Error('outer', { cause: e }))) as Error;
  assert.equal(back.message, 'outer');
  const cause = back.cause as NodeDownError;
  assert.ok(cause instanceof NodeDownError);
  assert.equal(cause.code, 'ERR_NODE_DOWN');
  assert.equal(cause.node, 'n1');
  assert.equal(cause.name, 'NodeDownError');
  const plain = decode(encode(new TypeError('bad'))) as Error;
  assert.equal(plain.name, 'TypeError');
  assert.equal(plain.message, 'bad');
});

test('bytes of another version or broken JSON are refused with WireFormatError', () => {
  assert.throws(() => decode(new Uint8Array([])), WireFormatError);
  assert.throws(
    () => decode(new Uint8Array([3, 0x7b, 0x7d])),
    /version 3 is not supported \(this build reads 1 to 2\)/,
  );
  assert.throws(() => decode(new Uint8Array([0, 0x7b, 0x7d])), /version 0/);
  assert.deepEqual(decode(new Uint8Array([2, 0x7b, 0x7d])), {}); // a version 2 message without refs
  assert.throws(() => decode(new Uint8Array([1, 0x7b])), WireFormatError);
  assert.throws(() => decode(new Uint8Array([1, ...new TextEncoder().encode('{"$w":"nope"}')])), /unknown tag/);
});

test('arbitrary bytes either decode or throw WireFormatError, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decode(bytes);
      } catch (e) {
        assert.ok(e instanceof WireFormatError, String(e));
      }
    }),
    { numRuns: 2000 },
  );
  // Valid JSON whose tags carry the wrong shapes.
  for (const body of ['{"$w":"map","d":5}', '{"$w":"set","d":null}', '{"$w":"big","d":"x"}', '{"$w":"obj","d":3}']) {
    assert.throws(() => decode(new Uint8Array([1, ...new TextEncoder().encode(body)])), WireFormatError, body);
  }
});
