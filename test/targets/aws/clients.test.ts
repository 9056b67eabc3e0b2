import { describe, expect, it } from 'vitest';
import { createClients } from '../../../src/targets/aws/clients.js';

describe('createClients', () => {
  it('points every client at --endpoint-url, S3 path-style, CloudFront in us-east-1', async () => {
    const c = createClients({ region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:4566' });
    for (const client of [c.medialive, c.mediastore, c.mediastoreData('https://x.data.mediastore.eu-west-1.amazonaws.com'), c.cloudfront, c.s3, c.cloudwatch, c.ssm, c.iam, c.sts]) {
      const endpoint = await (client.config as { endpoint?: () => Promise<{ hostname: string; port?: number; protocol: string }> }).endpoint!();
      expect(`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`).toBe('http://127.0.0.1:4566');
      expect(await client.config.maxAttempts()).toBe(6);
    }
    expect(c.s3.config.forcePathStyle).toBe(true);
    expect(await c.cloudfront.config.region()).toBe('us-east-1');
    expect(await c.medialive.config.region()).toBe('eu-west-1');
  });

  it('without an endpoint, MediaStore data goes to the container endpoint; retry mode is adaptive', async () => {
    const c = createClients({ region: 'us-east-1' });
    const data = c.mediastoreData('https://abc.data.mediastore.us-east-1.amazonaws.com');
    const endpoint = await (data.config as { endpoint?: () => Promise<{ hostname: string }> }).endpoint!();
    expect(endpoint.hostname).toBe('abc.data.mediastore.us-east-1.amazonaws.com');
    expect(c.mediastoreData('https://abc.data.mediastore.us-east-1.amazonaws.com')).toBe(data);
    expect((await c.medialive.config.retryStrategy()).constructor.name).toBe('AdaptiveRetryStrategy');
    expect(c.s3.config.forcePathStyle).toBeFalsy();
  });

  it('gives S3 clients for other regions (a logs bucket in us-east-1), one per region, the stack\'s own being s3', async () => {
    const c = createClients({ region: 'ap-south-2' });
    expect(c.s3In('ap-south-2')).toBe(c.s3);
    const east = c.s3In('us-east-1');
    expect(east).not.toBe(c.s3);
    expect(c.s3In('us-east-1')).toBe(east);
    expect(await east.config.region()).toBe('us-east-1');
    expect(await c.s3.config.region()).toBe('ap-south-2');
    const emulated = createClients({ region: 'ap-south-2', endpointUrl: 'http://127.0.0.1:4566' }).s3In('us-east-1');
    expect(emulated.config.forcePathStyle).toBe(true);
    expect(await emulated.config.maxAttempts()).toBe(6);
  });

  it('labels a failed call with the IAM action it needed', async () => {
    const { failedAction } = await import('../../../src/targets/aws/clients.js');
    const { mockClient } = await import('aws-sdk-client-mock');
    const { MediaLiveClient, CreateChannelCommand } = await import('@aws-sdk/client-medialive');
    const stub = mockClient(MediaLiveClient);
    stub.on(CreateChannelCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    try {
      const err = await createClients({ region: 'us-east-1' }).medialive.send(new CreateChannelCommand({})).catch((e) => e);
      expect(failedAction(err)).toBe('medialive:CreateChannel');
    } finally {
      stub.restore();
    }
  });
});
