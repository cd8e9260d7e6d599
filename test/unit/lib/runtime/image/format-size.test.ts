import assert from 'node:assert/strict';
import { formatG, formatSize } from '../../../../../lib/runtime/image/format-size';

describe('lib/runtime/image/format-size', () => {
  // Docker's `docker images` SIZE column: go-units HumanSizeWithPrecision(size, 3).
  const table: [number, string][] = [
    [0, '0B'],
    [1, '1B'],
    [999, '999B'],
    [1000, '1kB'],
    [1234, '1.23kB'],
    [4_270_000, '4.27MB'],
    [4_266_000, '4.27MB'],
    [2_034_176, '2.03MB'],
    [12_345_678, '12.3MB'],
    [123_456_789, '123MB'],
    [1_200_000_000, '1.2GB'],
    [1_000_000_000_000, '1TB'],
    [999_999, '1e+03kB'], // Go's %.3g switches to exponent form after rounding up to 1000
    [1e18, '1EB'],
    [1e24, '1YB'],
    [1e27, '1e+03YB'],
  ];
  for (const [bytes, text] of table) {
    it(`${bytes} → ${text}`, () => assert.equal(formatSize(bytes), text));
  }

  it('formats like Go %g for small and negative exponents', () => {
    assert.equal(formatG(0.0001234, 3), '0.000123');
    assert.equal(formatG(0.00001234, 3), '1.23e-05');
    assert.equal(formatG(100, 3), '100');
    assert.equal(formatG(1.5, 3), '1.5');
  });
});
