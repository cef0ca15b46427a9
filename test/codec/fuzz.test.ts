import '../helpers/guard.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { properties, runProperties } from './codec-properties.js';

// 100,000 fuzz inputs across all codecs (scripts/fuzz-codecs.mjs runs 1,000,000).
const TOTAL = Number(process.env['WEFT_FUZZ_INPUTS'] ?? 100_000);

test(`codecs survive ${TOTAL.toLocaleString('en-US')} fuzz inputs: typed errors only, bounded buffers, split-invariant`, () => {
  const lines: string[] = [];
  const ran = runProperties(TOTAL, (line) => lines.push(line));
  assert.ok(ran >= TOTAL * 0.99, `ran ${ran}`);
  assert.equal(lines.length, properties.length);
});
