/**
 * A stateful AWS fake for one test: `fake = installAwsFake()` in a beforeEach (or in the test, for
 * another region or a fresh account part-way), removed when the test finishes, passed or failed.
 */
import { onTestFinished } from 'vitest';
import { AwsFake } from './aws-fake.js';

let current: AwsFake | undefined;

export function installAwsFake(region = 'us-east-1'): AwsFake {
  // One fake answers at a time. Removing the previous one first also keeps its late removal from
  // undoing this one's (both replace the same SDK clients' send).
  current?.restore();
  const fake = new AwsFake(region).install();
  current = fake;
  onTestFinished(() => fake.restore());
  return fake;
}
