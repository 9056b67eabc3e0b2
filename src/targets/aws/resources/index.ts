/**
 * The AWS resource graph for a spec: which nodes exist depends on the input type and origin.
 */
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { needsSecurityGroup, needsSrtSecret } from '../requests/input.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { cachePolicyNode } from './cache-policy.js';
import { channelNode } from './channel.js';
import { dashboardNode } from './dashboard.js';
import { distributionNode } from './distribution.js';
import { inputSecurityGroupNode } from './input-security-group.js';
import { inputNode } from './input.js';
import { logsBucketNode } from './logs-bucket.js';
import { originMediaStoreNode } from './origin-mediastore.js';
import { originOacNode } from './origin-oac.js';
import { originPolicyNode } from './origin-policy.js';
import { originS3Node } from './origin-s3.js';
import { playerFunctionNode } from './player-function.js';
import { playerNode } from './player.js';
import { recordingsBucketNode } from './recordings-bucket.js';
import { roleNode } from './role.js';
import { scheduleGroupNode } from './schedule-group.js';
import { schedulerRoleNode } from './scheduler-role.js';
import { sourcePasswordNode } from './source-password.js';
import { srtPassphraseNode } from './srt-passphrase.js';
import { stopScheduleNode } from './stop-schedule.js';

/**
 * `withStopSchedule` false: the graph `up` walks, without the stop schedule, which is made after
 * each start (resources/stop-schedule.ts); the recorded commands read and delete it with the rest.
 */
export function buildAwsGraph(spec: AwsStackSpec, names: ResourceNames, withStopSchedule = true): ResourceNode<AwsContext>[] {
  const s3 = spec.aws.origin !== 'mediastore';
  const nodes: ResourceNode<AwsContext>[] = [];
  // Before the role: the role's policy names the secret by its full ARN, known once it exists.
  if (needsSrtSecret(spec)) nodes.push(srtPassphraseNode(names));
  nodes.push(roleNode(names, spec));
  if (spec.input === 'URL_PULL' && spec.sourcePassword) nodes.push(sourcePasswordNode(names));
  if (needsSecurityGroup(spec)) nodes.push(inputSecurityGroupNode(names));
  nodes.push(inputNode(names, spec));
  nodes.push(s3 ? originS3Node(names) : originMediaStoreNode(names));
  nodes.push(logsBucketNode(names));
  nodes.push(originOacNode(names, spec));
  nodes.push(cachePolicyNode(names, 'playlists'), cachePolicyNode(names, 'segments'));
  nodes.push(playerFunctionNode(names));
  nodes.push(distributionNode(names, spec));
  nodes.push(originPolicyNode(names, spec));
  nodes.push(playerNode(names, spec));
  if ((spec.record ?? 'none') !== 'none') nodes.push(recordingsBucketNode(names, spec));
  nodes.push(channelNode(names, spec));
  nodes.push(dashboardNode(names, spec));
  // Whatever the stop rule: a schedule can be set later ("livestream schedule"), and these cost nothing.
  nodes.push(scheduleGroupNode(names), schedulerRoleNode(names));
  if (withStopSchedule) nodes.push(stopScheduleNode(names));
  return nodes;
}
