import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { roleNode } from '../../../../src/targets/aws/resources/role.js';
import { sourcePasswordNode } from '../../../../src/targets/aws/resources/source-password.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';

const iam = mockClient(IAMClient);
const ssm = mockClient(SSMClient);
afterEach(() => {
  iam.reset();
  ssm.reset();
});

const ROLE_ARN = 'arn:aws:iam::123456789012:role/demo-medialive-us-east-1';

describe('role', () => {
  it('creates the role trusted by MediaLive, records it, attaches the least-privilege policy and waits', async () => {
    const ctx = await makeContext({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', sourceUser: 'u', sourcePassword: true });
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as never });
    iam.on(GetRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as never });
    const run = createRun();
    const out = await roleNode(ctx.names, ctx.spec).create(ctx, run);
    expect(out).toEqual({ name: 'demo-medialive-us-east-1', physicalId: ROLE_ARN });
    const create = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(create.RoleName).toBe('demo-medialive-us-east-1');
    expect(JSON.parse(create.AssumeRolePolicyDocument!).Statement[0].Principal).toEqual({ Service: 'medialive.amazonaws.com' });
    expect(create.Tags).toEqual([{ Key: 'livestream:stack', Value: 'demo' }]);
    expect(run.save).toHaveBeenCalledWith({ name: 'demo-medialive-us-east-1', physicalId: ROLE_ARN });
    const policy = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(policy.PolicyName).toBe('demo-medialive-access');
    const doc = JSON.parse(policy.PolicyDocument!);
    expect(JSON.stringify(doc)).toContain('arn:aws:s3:::demo-origin-123456789012-us-east-1/stream/*');
    expect(JSON.stringify(doc)).toContain('parameter/livestream/demo/source-password');
    // waitUntilRoleExists polls GetRole.
    expect(iam.commandCalls(GetRoleCommand)).toHaveLength(1);
  });

  it('adopts its own role when a previous create was interrupted', async () => {
    const ctx = await makeContext();
    iam.on(CreateRoleCommand).rejects(Object.assign(new Error('exists'), { name: 'EntityAlreadyExistsException' }));
    iam.on(GetRoleCommand).resolves({ Role: { Arn: ROLE_ARN } as never });
    const out = await roleNode(ctx.names, ctx.spec).create(ctx, createRun());
    expect(out.physicalId).toBe(ROLE_ARN);
    expect(iam.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
  });

  it('delete removes the inline policy first; not found counts as done', async () => {
    const ctx = await makeContext();
    iam.on(DeleteRolePolicyCommand).rejects(notFound('NoSuchEntityException'));
    iam.on(DeleteRoleCommand).resolves({});
    await roleNode(ctx.names, ctx.spec).delete(ctx, record('role', ROLE_ARN, {}, 'demo-medialive-us-east-1'));
    expect(iam.commandCalls(DeleteRolePolicyCommand)[0]!.args[0].input).toEqual({ RoleName: 'demo-medialive-us-east-1', PolicyName: 'demo-medialive-access' });
    expect(iam.commandCalls(DeleteRoleCommand)[0]!.args[0].input).toEqual({ RoleName: 'demo-medialive-us-east-1' });
  });

  it('read reports a missing role', async () => {
    const ctx = await makeContext();
    iam.on(GetRoleCommand).rejects(notFound('NoSuchEntityException'));
    expect(await roleNode(ctx.names, ctx.spec).read(ctx, record('role', ROLE_ARN, {}, 'demo-medialive-us-east-1'))).toEqual({ exists: false });
  });
});

describe('source password', () => {
  const raw = { input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', sourceUser: 'u', sourcePassword: true };

  it('stores the password as a tagged SecureString and records only its name', async () => {
    const ctx = await makeContext(raw, { sourcePassword: 'hunter2!' });
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const out = await sourcePasswordNode(ctx.names).create(ctx, createRun());
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({
      Name: '/livestream/demo/source-password',
      Type: 'SecureString',
      Value: 'hunter2!',
      Tags: [{ Key: 'livestream:stack', Value: 'demo' }],
    });
    expect(JSON.stringify(out)).not.toContain('hunter2!');
  });

  it('overwrites an existing parameter without tags (SSM refuses Tags with Overwrite)', async () => {
    const ctx = await makeContext(raw, { sourcePassword: 'hunter2!' });
    ssm.on(PutParameterCommand).rejectsOnce(Object.assign(new Error('exists'), { name: 'ParameterAlreadyExists' })).resolves({ Version: 2 });
    await sourcePasswordNode(ctx.names).create(ctx, createRun());
    const second = ssm.commandCalls(PutParameterCommand)[1]!.args[0].input;
    expect(second).toEqual({ Name: '/livestream/demo/source-password', Type: 'SecureString', Value: 'hunter2!', Overwrite: true });
  });

  it('refuses to create without a password', async () => {
    const ctx = await makeContext(raw, {});
    await expect(sourcePasswordNode(ctx.names).create(ctx, createRun())).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('read never decrypts; delete treats ParameterNotFound as done', async () => {
    const ctx = await makeContext(raw, { sourcePassword: 'x' });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: 'n' } });
    ssm.on(DeleteParameterCommand).rejects(Object.assign(new Error(''), { name: 'ParameterNotFound' }));
    const rec = record('source-password', '/livestream/demo/source-password');
    expect(await sourcePasswordNode(ctx.names).read(ctx, rec)).toEqual({ exists: true });
    expect(ssm.commandCalls(GetParameterCommand)[0]!.args[0].input).toEqual({ Name: '/livestream/demo/source-password', WithDecryption: false });
    await sourcePasswordNode(ctx.names).delete(ctx, rec);
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(1);
  });
});
