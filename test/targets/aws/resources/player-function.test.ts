import {
  CloudFrontClient,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DescribeFunctionCommand,
  PublishFunctionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PLAYER_FUNCTION_CODE } from '../../../../src/targets/aws/requests/player-function.js';
import { playerFunctionNode } from '../../../../src/targets/aws/resources/player-function.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';

const cf = mockClient(CloudFrontClient);
afterEach(() => cf.reset());
const NAME = 'demo-us-east-1-player-index';
const ARN = `arn:aws:cloudfront::123456789012:function/${NAME}`;
const summary = { FunctionSummary: { Name: NAME, FunctionConfig: { Comment: 'c', Runtime: 'cloudfront-js-2.0' as const }, FunctionMetadata: { FunctionARN: ARN, LastModifiedTime: new Date(0) } } };

describe('player function', () => {
  it('creates it, then publishes it with the ETag CreateFunction returned; records the ARN', async () => {
    const ctx = await makeContext();
    cf.on(CreateFunctionCommand).resolves({ ...summary, ETag: 'ETAG-1' });
    cf.on(PublishFunctionCommand).resolves(summary);
    const out = await playerFunctionNode(ctx.names).create(ctx, createRun());
    const created = cf.commandCalls(CreateFunctionCommand)[0]!.args[0].input;
    expect(created).toMatchObject({ Name: NAME, FunctionConfig: { Runtime: 'cloudfront-js-2.0' } });
    expect(new TextDecoder().decode(created.FunctionCode)).toBe(PLAYER_FUNCTION_CODE);
    expect(cf.commandCalls(PublishFunctionCommand)[0]!.args[0].input).toEqual({ Name: NAME, IfMatch: 'ETAG-1' });
    expect(out).toEqual({ name: NAME, physicalId: NAME, attrs: { arn: ARN } });
  });

  it('a resumed create (FunctionAlreadyExists) puts our code in it and publishes that', async () => {
    const ctx = await makeContext();
    cf.on(CreateFunctionCommand).rejects(Object.assign(new Error('exists'), { name: 'FunctionAlreadyExists', $metadata: { httpStatusCode: 409 } }));
    cf.on(DescribeFunctionCommand).resolves({ ...summary, ETag: 'ETAG-1' });
    cf.on(UpdateFunctionCommand).resolves({ ...summary, ETag: 'ETAG-2' });
    cf.on(PublishFunctionCommand).resolves(summary);
    await playerFunctionNode(ctx.names).create(ctx, createRun());
    expect(cf.commandCalls(UpdateFunctionCommand)[0]!.args[0].input).toMatchObject({ Name: NAME, IfMatch: 'ETAG-1' });
    expect(cf.commandCalls(PublishFunctionCommand)[0]!.args[0].input).toEqual({ Name: NAME, IfMatch: 'ETAG-2' });
  });

  it('read looks at the LIVE stage; missing is "does not exist"', async () => {
    const ctx = await makeContext();
    cf.on(DescribeFunctionCommand).rejectsOnce(notFound('NoSuchFunctionExists')).resolves({ ...summary, ETag: 'E' });
    const node = playerFunctionNode(ctx.names);
    expect(await node.read(ctx, record('player-function', NAME))).toEqual({ exists: false });
    expect((await node.read(ctx, record('player-function', NAME))).exists).toBe(true);
    expect(cf.commandCalls(DescribeFunctionCommand)[0]!.args[0].input).toEqual({ Name: NAME, Stage: 'LIVE' });
  });

  it('delete uses the current ETag; a function already gone is done', async () => {
    const ctx = await makeContext();
    cf.on(DescribeFunctionCommand).resolves({ ...summary, ETag: 'ETAG-9' });
    cf.on(DeleteFunctionCommand).resolves({});
    await playerFunctionNode(ctx.names).delete(ctx, record('player-function', NAME));
    expect(cf.commandCalls(DeleteFunctionCommand)[0]!.args[0].input).toEqual({ Name: NAME, IfMatch: 'ETAG-9' });
    cf.reset();
    cf.on(DescribeFunctionCommand).rejects(notFound('NoSuchFunctionExists'));
    await playerFunctionNode(ctx.names).delete(ctx, record('player-function', NAME));
    expect(cf.commandCalls(DeleteFunctionCommand)).toHaveLength(0);
  });

  it('a function still in use is an error, not "done"', async () => {
    const ctx = await makeContext();
    cf.on(DescribeFunctionCommand).resolves({ ...summary, ETag: 'ETAG-9' });
    cf.on(DeleteFunctionCommand).rejects(Object.assign(new Error('in use'), { name: 'FunctionInUse', $metadata: { httpStatusCode: 409 } }));
    await expect(playerFunctionNode(ctx.names).delete(ctx, record('player-function', NAME))).rejects.toThrow(/in use/);
  });
});
