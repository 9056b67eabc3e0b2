/**
 * SSM SecureString holding the URL_PULL source password, which MediaLive reads through the
 * input's PasswordParam. The value comes from ctx.secrets only and is never logged or recorded.
 */
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { ignoreNotFound, readExists } from './shared.js';

export function sourcePasswordNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'source-password',
    kind: 'ssm-parameter',
    dependsOn: [],
    describe: 'SSM parameter for the source password',
    name: names.parameterName,
    async create(ctx) {
      const value = ctx.secrets.sourcePassword;
      if (!value) {
        throw new LivestreamError('SPEC_INVALID', 'The source password is needed to create the SSM parameter, but none was given.', {
          hint: 'Pass it with --source-password-stdin or LIVESTREAM_SOURCE_PASSWORD.',
        });
      }
      const name = ctx.names.parameterName;
      try {
        await ctx.clients.ssm.send(
          new PutParameterCommand({ Name: name, Type: 'SecureString', Value: value, Tags: ctx.names.tagList, Description: `Source password of livestream stack ${ctx.names.stack}` }),
        );
      } catch (err) {
        // SSM refuses Tags together with Overwrite, so an existing parameter (a resumed create) is
        // overwritten in a second call that keeps its tags.
        if ((err as Error).name !== 'ParameterAlreadyExists') throw err;
        await ctx.clients.ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: value, Overwrite: true }));
      }
      return { name, physicalId: name };
    },
    async read(ctx, rec) {
      // WithDecryption false: status never needs (or touches) the secret.
      return readExists(() => ctx.clients.ssm.send(new GetParameterCommand({ Name: rec.physicalId || rec.name, WithDecryption: false })));
    },
    async delete(ctx, rec) {
      await ignoreNotFound(() => ctx.clients.ssm.send(new DeleteParameterCommand({ Name: rec.physicalId || rec.name })));
    },
  };
}
