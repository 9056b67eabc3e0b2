import type { TargetName } from '../core/spec.js';
import type { TargetDriver } from '../core/target.js';

/** Drivers load lazily: `livestream --help` must load neither the AWS SDK nor the local servers. */
export async function loadDriver(target: TargetName): Promise<TargetDriver> {
  if (target === 'aws') return (await import('../targets/aws/driver.js')).createAwsDriver();
  return (await import('../targets/local/driver.js')).createLocalDriver();
}
