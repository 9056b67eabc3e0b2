import { describe, expect, it } from 'vitest';
import { specDifferences, validateSpec, type RawSpec } from '../../src/core/spec.js';

const AWS = { target: 'aws', input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8' };
/** The AWS options a valid AWS spec holds. */
const awsOf = (raw: RawSpec) => {
  const spec = validateSpec(raw).spec!;
  if (spec.target !== 'aws') throw new Error(`expected an AWS spec, got ${spec.target}`);
  return spec.aws;
};

describe('--price-class', () => {
  it.each(['100', '200', 'All'])('%s is accepted on aws', (priceClass) => {
    expect(awsOf({ ...AWS, priceClass }).priceClass).toBe(priceClass);
  });

  it('absent: left to the target\'s default (nothing stored)', () => {
    expect(awsOf(AWS)).not.toHaveProperty('priceClass');
  });

  it('an unknown class names the three that exist', () => {
    const { spec, problems } = validateSpec({ ...AWS, priceClass: 'PriceClass_300' });
    expect(spec).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ path: 'priceClass', fix: expect.stringMatching(/100.*200.*All/) })]);
  });

  it('is refused on the local target', () => {
    const { problems } = validateSpec({ target: 'local', priceClass: '100' });
    expect(problems.map((p) => p.path)).toEqual(['priceClass']);
  });

  it('a changed price class is a changed spec (up does not update the distribution)', () => {
    const a = validateSpec({ ...AWS, priceClass: '100' }).spec!;
    const b = validateSpec(AWS).spec!;
    expect(specDifferences(a, b)).toEqual(['priceClass: 100 → (none)']);
  });
});
