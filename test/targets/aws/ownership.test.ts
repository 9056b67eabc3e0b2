/** Which state records `down` may act on, by their names alone (pure), before any AWS call. */
import { describe, expect, it } from 'vitest';
import { validateSpec, type AwsStackSpec } from '../../../src/core/spec.js';
import { resourceNames } from '../../../src/targets/aws/requests/names.js';
import { buildAwsGraph } from '../../../src/targets/aws/resources/index.js';
import { assertStackIdentity, nameMismatch } from '../../../src/targets/aws/ownership.js';
import { record } from '../../helpers/aws-context.js';

const spec = validateSpec({ target: 'aws', stack: 'demo', input: 'SRT_LISTENER', cidr: ['203.0.113.0/24'] }).spec as AwsStackSpec;
const names = resourceNames('demo', 'us-east-1', '123456789012');
const nodes = new Map(buildAwsGraph(spec, names).map((n) => [n.id, n]));

describe('nameMismatch', () => {
  it.each([
    ['role', 'demo-medialive-us-east-1', 'arn:aws:iam::123456789012:role/demo-medialive-us-east-1', undefined],
    ['role', 'demo-medialive-us-east-1', '', undefined],
    ['role', '../evil-medialive-access', 'arn:aws:iam::123456789012:role/../evil-medialive-access', 'its name is "../evil-medialive-access"'],
    ['role', 'demo-medialive-us-east-1', 'arn:aws:iam::999999999999:role/demo-medialive-us-east-1', 'is not the stack\'s "arn:aws:iam::123456789012:role/demo-medialive-us-east-1"'],
    ['logs-bucket', 'victim-prod-data', 'victim-prod-data', 'its name is "victim-prod-data"'],
    ['logs-bucket', 'demo-logs-123456789012-us-east-1', 'victim-prod-data', 'its id "victim-prod-data"'],
    ['origin', 'demo-origin-123456789012-us-east-1', 'demo-origin-123456789012-us-east-1', undefined],
    ['origin-policy', 'demo-origin-123456789012-us-east-1/policy', 'victim-prod-data', 'its id "victim-prod-data"'],
    ['player', 'demo-origin-123456789012-us-east-1/player/', 'demo-origin-123456789012-us-east-1/player/', undefined],
    ['channel', 'demo-channel', '1234567', undefined],
    ['channel', 'demo-channel', '1234567; rm -rf', 'an id of this kind'],
    ['input', 'demo-input', '../7', 'an id of this kind'],
    ['input-security-group', 'demo-input-sg', '42', undefined],
    ['distribution', 'livestream demo (us-east-1)', 'E2ABCDEF123', undefined],
    ['distribution', 'livestream demo (us-east-1)', 'e/../x', 'an id of this kind'],
    ['cache-policy-segments', 'demo-us-east-1-segments', '658327ea-f89d-4fab-a63d-7e88639e58f6', undefined],
    ['dashboard', 'demo-us-east-1', 'prod-dashboard', 'its id "prod-dashboard"'],
    ['srt-passphrase', 'livestream/demo/srt-passphrase', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:livestream/demo/srt-passphrase-AbC123', undefined],
    ['srt-passphrase', 'livestream/demo/srt-passphrase', '', undefined],
    ['srt-passphrase', 'livestream/demo/srt-passphrase', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-password-AbC123', 'an id of this kind'],
    ['srt-passphrase', 'livestream/demo/srt-passphrase', 'arn:aws:secretsmanager:us-east-1:999999999999:secret:livestream/demo/srt-passphrase-AbC123', 'an id of this kind'],
    ['srt-passphrase', 'prod/db-password', 'prod/db-password', 'its name is "prod/db-password"'],
  ])('%s named %s with id %s', (id, name, physicalId, why) => {
    const got = nameMismatch(nodes.get(id)!, record(id, physicalId, {}, name), names);
    if (why === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(why);
  });
});

describe('assertStackIdentity', () => {
  const state = (over: Record<string, unknown> = {}, specOver: Record<string, unknown> = {}) =>
    ({ stack: 'demo', spec: { ...spec, ...specOver }, runtime: { accountId: '123456789012' }, ...over }) as never;
  it('accepts the file of its own stack', () => {
    expect(() => assertStackIdentity(state(), 'demo', '/s/demo.json')).not.toThrow();
  });
  it.each([
    ['a stack name that is a path', state({}, { stack: '../evil' }), 'stack'],
    ['another stack', state({ stack: 'other' }, { stack: 'other' }), 'it is the file of stack "demo"'],
    ['a region that is not one', state({}, { aws: { region: 'x/../y', origin: 's3' } }), 'region'],
    ['an account id that is not one', state({ runtime: { accountId: '../1' } }), 'accountId'],
  ])('refuses %s', (_what, s, why) => {
    expect(() => assertStackIdentity(s, 'demo', '/s/demo.json')).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT', message: expect.stringContaining(why) }));
  });
});
