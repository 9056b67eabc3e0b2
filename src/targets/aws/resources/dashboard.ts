/**
 * CloudWatch dashboard `<stack>-<region>` (build/dashboard.ts: the guide's Appendix D panels,
 * channel health, CloudFront). PutDashboard is an upsert, so a resumed create simply repeats it.
 */
import { DeleteDashboardsCommand, GetDashboardCommand, PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { buildDashboardBody } from '../requests/dashboard.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { ignoreNotFound, readExists } from './shared.js';

export function dashboardNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  return {
    id: 'dashboard',
    kind: 'cloudwatch-dashboard',
    dependsOn: ['origin', 'distribution', 'channel'],
    describe: 'CloudWatch dashboard',
    name: names.dashboardName,
    async create(ctx, run) {
      const n = ctx.names;
      const origin = spec.aws.origin === 'mediastore' ? 'mediastore' : 's3';
      const out = await ctx.clients.cloudwatch.send(
        new PutDashboardCommand({
          DashboardName: n.dashboardName,
          DashboardBody: buildDashboardBody({
            names: n,
            region: n.region,
            origin,
            ...(origin === 's3' ? { bucket: run.deps.origin!.physicalId } : { containerName: run.deps.origin!.physicalId }),
            channelId: run.deps.channel!.physicalId,
            distributionId: run.deps.distribution!.physicalId,
            pipelineCount: 1,
          }),
        }),
      );
      const invalid = out.DashboardValidationMessages ?? [];
      if (invalid.length > 0) {
        ctx.host.notify({ level: 'warn', code: 'DASHBOARD_WARNINGS', message: `CloudWatch accepted the dashboard with warnings: ${invalid.map((m) => m.Message).join('; ')}` });
      }
      return { name: n.dashboardName, physicalId: n.dashboardName };
    },
    async read(ctx, rec) {
      return readExists(() => ctx.clients.cloudwatch.send(new GetDashboardCommand({ DashboardName: rec.physicalId || rec.name })));
    },
    async delete(ctx, rec) {
      await ignoreNotFound(() => ctx.clients.cloudwatch.send(new DeleteDashboardsCommand({ DashboardNames: [rec.physicalId || rec.name] })));
    },
  };
}
