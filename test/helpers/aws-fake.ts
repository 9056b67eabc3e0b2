/**
 * A stateful, in-memory fake of the AWS control plane livestream uses, wired into the SDK with
 * aws-sdk-client-mock so the real driver and resource modules run against it. States move one
 * step per read (CREATING -> IDLE, STARTING -> RUNNING, InProgress -> Deployed...), so the SDK
 * waiters really poll. Failures can be injected at any command (before or after it takes
 * effect), and resources can be deleted "out of band".
 */
import { mockClient } from 'aws-sdk-client-mock';
import * as cf from '@aws-sdk/client-cloudfront';
import * as cw from '@aws-sdk/client-cloudwatch';
import * as iam from '@aws-sdk/client-iam';
import * as ml from '@aws-sdk/client-medialive';
import * as ms from '@aws-sdk/client-mediastore';
import * as msd from '@aws-sdk/client-mediastore-data';
import * as s3 from '@aws-sdk/client-s3';
import * as sch from '@aws-sdk/client-scheduler';
import { Readable } from 'node:stream';
import * as sm from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import * as sts from '@aws-sdk/client-sts';

type Input = Record<string, any>;
/** `region` is the region of the client that sent the call (S3 checks it: a bucket lives in one region). */
type Handler = (input: Input, region: string) => unknown;

export interface FakeError extends Error {
  $metadata: { httpStatusCode: number };
  $fault: 'client' | 'server';
}

export function awsError(name: string, message: string, status = 400): FakeError {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' }) as FakeError;
}

interface Failure {
  command: string;
  error: Error;
  remaining: number;
  /** Fail after the command took effect (a lost response). */
  after: boolean;
}

export interface FakeChannel {
  id: string; arn: string; name: string; state: string; inputId: string; requestId?: string; request: Input;
  /** The next start fails: STARTING falls back to IDLE and this alert is SET (ListAlerts). */
  startFails?: { AlertType: string; Message: string };
  alerts?: Input[];
}
export interface FakeInput { id: string; arn: string; name: string; type: string; state: string; sgIds: string[]; destinations: Input[]; requestId?: string; request: Input }
export interface FakeSg { id: string; arn: string; state: string; cidrs: string[]; lagChecks: number; tags: Record<string, string> }
/** A secret; `deletedDate` set while its deletion is under way, `purgeChecks` calls until it is gone. */
export interface FakeSecret { name: string; arn: string; value: string; token: string; tags: Array<{ Key: string; Value: string }>; deletedDate?: Date; purgeChecks: number }
export interface FakeBucket { region: string; config: Record<string, unknown>; objects: Map<string, { body: Buffer; contentType?: string; lastModified?: Date }>; policy?: string; tags?: unknown }
export interface FakeDistribution { id: string; arn: string; domain: string; config: Input; status: string; etag: string; callerReference: string; tags?: Array<{ Key: string; Value: string }>; createdWith?: Input }
export interface FakeFunction { name: string; arn: string; config: Input; code: string; etag: string; published: boolean; tags?: unknown }
export interface FakeContainer { name: string; arn: string; endpoint: string; status: string; policy?: string; cors?: unknown; lifecycle?: string; metric?: unknown; logging: boolean; objects: Map<string, { body: Buffer; contentType?: string }> }

export interface FakeScheduleGroup { name: string; arn: string; state: 'ACTIVE' | 'DELETING'; tags: Array<{ Key: string; Value: string }>; token?: string; deleteChecks: number }
/** A schedule: the request that made (or last updated) it, and when and how it fired. */
export interface FakeSchedule { name: string; group: string; request: Input; token?: string; firedAt?: Date; outcome?: 'stopped' | 'denied' | 'failed' }

export class AwsFake {
  readonly accountId = '123456789012';
  readonly region: string;
  readonly roles = new Map<string, { arn: string; trust: string; policies: Map<string, string>; tags: unknown }>();
  readonly params = new Map<string, { type: string; value: string; tags: unknown }>();
  /** Secrets Manager secrets by name. */
  readonly secrets = new Map<string, FakeSecret>();
  /**
   * How many Secrets Manager calls a force-deleted secret stays "scheduled for deletion" (AWS
   * deletes asynchronously): CreateSecret of its name meanwhile fails with InvalidRequestException.
   */
  secretPurgeChecks = 1;
  readonly sgs = new Map<string, FakeSg>();
  readonly inputs = new Map<string, FakeInput>();
  readonly channels = new Map<string, FakeChannel>();
  readonly buckets = new Map<string, FakeBucket>();
  /** Keys per ListObjectsV2 page when the request sets no MaxKeys (S3: 1000); smaller to test paging. */
  listPageSize = 1000;
  readonly distributions = new Map<string, FakeDistribution>();
  readonly oacs = new Map<string, { id: string; config: Input; etag: string }>();
  readonly cachePolicies = new Map<string, { id: string; config: Input; etag: string }>();
  readonly dashboards = new Map<string, string>();
  readonly functions = new Map<string, FakeFunction>();
  readonly containers = new Map<string, FakeContainer>();
  /** Every command in order: "CreateChannel", ..., with its service (the SDK module's name: "medialive"). */
  readonly calls: Array<{ command: string; input: Input; service: string; region?: string }> = [];
  private failures: Failure[] = [];
  private stubs: Array<{ restore(): void }> = [];
  private seq = 0;

  constructor(region = 'us-east-1') {
    this.region = region;
  }

  /** Replace the send of every SDK client class with this fake. */
  install(): this {
    const services: Array<[unknown, Record<string, unknown>, Record<string, Handler>, string]> = [
      [sts.STSClient, sts, this.sts(), 'sts'],
      [iam.IAMClient, iam, this.iam(), 'iam'],
      [ssm.SSMClient, ssm, this.ssm(), 'ssm'],
      [sm.SecretsManagerClient, sm, this.secretsManager(), 'secretsmanager'],
      [ml.MediaLiveClient, ml, this.medialive(), 'medialive'],
      [s3.S3Client, s3, this.s3(), 's3'],
      [cf.CloudFrontClient, cf, this.cloudfront(), 'cloudfront'],
      [cw.CloudWatchClient, cw, this.cloudwatch(), 'cloudwatch'],
      [ms.MediaStoreClient, ms, this.mediastore(), 'mediastore'],
      [msd.MediaStoreDataClient, msd, this.mediastoreData(), 'mediastore-data'],
      [sch.SchedulerClient, sch, this.scheduler(), 'scheduler'],
    ];
    for (const [client, mod, handlers, service] of services) {
      const stub = mockClient(client as any) as any;
      stub.onAnyCommand().callsFake((input: Input) => {
        throw awsError('UnhandledByFake', `the fake does not implement this command (input ${JSON.stringify(input).slice(0, 200)})`);
      });
      for (const [name, handler] of Object.entries(handlers)) {
        const Command = mod[`${name}Command`];
        if (!Command) throw new Error(`no ${name}Command in SDK module`);
        // S3 needs the client's region (a bucket answers only at its own region's endpoint); the
        // other services take it from the fake's own region.
        stub.on(Command).callsFake((input: Input, getClient: () => { config: { region: () => Promise<string> } }) =>
          service === 's3'
            ? getClient().config.region().then((region) => this.dispatch(name, input, handler, service, region))
            : this.dispatch(name, input, handler, service, this.region));
      }
      this.stubs.push(stub);
    }
    return this;
  }

  /**
   * An object written as MediaLive's archive output writes one (the channel's role, not the
   * SDK): for tests of what `recordings` finds in the recordings bucket.
   */
  putRecorded(bucketName: string, key: string, body: Buffer, lastModified = new Date()): void {
    const b = this.buckets.get(bucketName);
    if (!b) throw new Error(`putRecorded: no bucket ${bucketName} in the fake`);
    b.objects.set(key, { body, contentType: 'video/MP2T', lastModified });
  }

  restore(): void {
    for (const s of this.stubs) s.restore();
    this.stubs = [];
  }

  /** The next `times` calls of `command` fail with `error` (default: an InternalFailure-like error). */
  failOn(command: string, opts: { error?: Error; times?: number; after?: boolean } = {}): void {
    this.failures.push({ command, error: opts.error ?? awsError('InjectedFailure', `injected failure in ${command}`), remaining: opts.times ?? 1, after: opts.after ?? false });
  }

  /**
   * Deny an IAM action ("medialive:StopChannel") from now on (or `times` calls), as AWS answers an
   * identity without the permission: 403 AccessDeniedException naming the action.
   */
  deny(action: string, times = Number.POSITIVE_INFINITY): void {
    const command = action.split(':')[1]!;
    const error = awsError('AccessDeniedException', `User: arn:aws:iam::${this.accountId}:user/tester is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`, 403);
    this.failOn(command, { error, times });
  }

  commandNames(): string[] {
    return this.calls.map((c) => c.command);
  }

  /** Everything that exists now, as "kind:id" strings. */
  inventory(): string[] {
    const out: string[] = [];
    for (const k of this.roles.keys()) out.push(`role:${k}`);
    for (const k of this.params.keys()) out.push(`parameter:${k}`);
    for (const x of this.secrets.values()) if (!x.deletedDate) out.push(`secret:${x.name}`);
    for (const s of this.sgs.values()) if (s.state !== 'DELETED') out.push(`security-group:${s.cidrs.join(',')}`);
    for (const i of this.inputs.values()) if (i.state !== 'DELETED') out.push(`input:${i.name}`);
    for (const c of this.channels.values()) if (c.state !== 'DELETED') out.push(`channel:${c.name}`);
    for (const k of this.buckets.keys()) out.push(`bucket:${k}`);
    for (const d of this.distributions.values()) out.push(`distribution:${d.config.Comment}`);
    for (const o of this.oacs.values()) out.push(`oac:${o.config.Name}`);
    for (const p of this.cachePolicies.values()) out.push(`cache-policy:${p.config.Name}`);
    for (const k of this.dashboards.keys()) out.push(`dashboard:${k}`);
    for (const k of this.functions.keys()) out.push(`function:${k}`);
    for (const c of this.containers.values()) out.push(`container:${c.name}`);
    for (const g of this.scheduleGroups.values()) out.push(`schedule-group:${g.name}`);
    for (const x of this.schedules.values()) out.push(`schedule:${x.group}/${x.name}`);
    return out.sort();
  }

  private dispatch(name: string, input: Input, handler: Handler, service: string, region: string): unknown {
    this.calls.push({ command: name, input, service, ...(service === 's3' ? { region } : {}) });
    const f = this.failures.find((x) => x.command === name && x.remaining > 0);
    if (f) f.remaining -= 1;
    if (f && !f.after) return Promise.reject(f.error);
    try {
      const out = handler(input, region);
      if (f) return Promise.reject(f.error);
      return Promise.resolve({ $metadata: { httpStatusCode: 200 }, ...(out as object) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** What MediaLive refuses of an SRT input (botocore medialive model; UG input-listener-srt). */
  private checkSrtInput(i: Input): void {
    const bad = (m: string) => awsError('BadRequestException', m);
    const srt = i.SrtSettings;
    if (i.Type === 'SRT_LISTENER') {
      const l = srt?.SrtListenerSettings;
      if (!l || srt.SrtCallerSources) throw bad('SRT_LISTENER needs SrtListenerSettings only');
      if (!l.Decryption?.Algorithm || !l.Decryption?.PassphraseSecretArn) throw bad('Encryption is required for SRT Listener inputs');
      if (!Number.isInteger(l.MinimumLatency) || l.MinimumLatency < 120 || l.MinimumLatency > 15000) throw bad('MinimumLatency must be 120-15000');
      if (!(i.InputSecurityGroups ?? []).length) throw bad('SRT Listener inputs need an input security group');
    } else if (i.Type === 'SRT_CALLER') {
      const sources = srt?.SrtCallerSources;
      if (!Array.isArray(sources) || sources.length < 1 || sources.length > 2 || srt.SrtListenerSettings) throw bad('SRT_CALLER needs 1 or 2 SrtCallerSources');
      if ((i.InputSecurityGroups ?? []).length) throw bad('SRT_CALLER inputs take no input security group');
    } else {
      return;
    }
    // The secret must be a secret of this account (the fake checks what a channel start would need).
    for (const d of [srt.SrtListenerSettings?.Decryption, ...(srt.SrtCallerSources ?? []).map((c: Input) => c.Decryption)]) {
      if (d && ![...this.secrets.values()].some((x) => x.arn === d.PassphraseSecretArn && !x.deletedDate)) throw bad(`Secret ${d.PassphraseSecretArn} not found`);
    }
  }

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(6, '0')}`;
  }

  private sts(): Record<string, Handler> {
    return { GetCallerIdentity: () => ({ Account: this.accountId, Arn: `arn:aws:iam::${this.accountId}:user/tester`, UserId: 'AIDATEST' }) };
  }

  private iam(): Record<string, Handler> {
    const role = (name: string) => {
      const r = this.roles.get(name);
      if (!r) throw awsError('NoSuchEntityException', `The role with name ${name} cannot be found.`, 404);
      return r;
    };
    return {
      CreateRole: (i) => {
        if (this.roles.has(i.RoleName)) throw awsError('EntityAlreadyExistsException', `Role with name ${i.RoleName} already exists.`, 409);
        const arn = `arn:aws:iam::${this.accountId}:role/${i.RoleName}`;
        this.roles.set(i.RoleName, { arn, trust: i.AssumeRolePolicyDocument, policies: new Map(), tags: i.Tags });
        return { Role: { RoleName: i.RoleName, Arn: arn } };
      },
      GetRole: (i) => ({ Role: { RoleName: i.RoleName, Arn: role(i.RoleName).arn, Tags: role(i.RoleName).tags } }),
      PutRolePolicy: (i) => void role(i.RoleName).policies.set(i.PolicyName, i.PolicyDocument),
      DeleteRolePolicy: (i) => {
        if (!role(i.RoleName).policies.delete(i.PolicyName)) throw awsError('NoSuchEntityException', `The role policy with name ${i.PolicyName} cannot be found.`, 404);
      },
      DeleteRole: (i) => {
        if (role(i.RoleName).policies.size > 0) throw awsError('DeleteConflictException', 'Cannot delete entity, must delete policies first.', 409);
        this.roles.delete(i.RoleName);
      },
    };
  }

  private ssm(): Record<string, Handler> {
    return {
      PutParameter: (i) => {
        if (this.params.has(i.Name) && !i.Overwrite) throw awsError('ParameterAlreadyExists', 'The parameter already exists.');
        if (i.Overwrite && i.Tags) throw awsError('ValidationException', 'Invalid request: tags and overwrite can\'t be used together.');
        this.params.set(i.Name, { type: i.Type, value: i.Value, tags: i.Tags ?? this.params.get(i.Name)?.tags });
        return { Version: 1 };
      },
      GetParameter: (i) => {
        const p = this.params.get(i.Name);
        if (!p) throw awsError('ParameterNotFound', '', 400);
        return { Parameter: { Name: i.Name, Type: p.type, Value: i.WithDecryption ? p.value : 'AQICAH-encrypted' } };
      },
      ListTagsForResource: (i) => {
        const p = this.params.get(i.ResourceId);
        if (i.ResourceType !== 'Parameter' || !p) throw awsError('InvalidResourceId', 'The resource ID is not valid.', 400);
        return { TagList: p.tags ?? [] };
      },
      DeleteParameter: (i) => {
        if (!this.params.delete(i.Name)) throw awsError('ParameterNotFound', '', 400);
      },
    };
  }

  private secretsManager(): Record<string, Handler> {
    const notFound = () => awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    // Deletion finishes a few calls after DeleteSecret, as AWS's does asynchronously.
    const age = () => {
      for (const x of [...this.secrets.values()]) {
        if (!x.deletedDate) continue;
        if (x.purgeChecks > 0) x.purgeChecks -= 1;
        else this.secrets.delete(x.name);
      }
    };
    const byId = (id: string) => [...this.secrets.values()].find((x) => x.name === id || x.arn === id);
    return {
      CreateSecret: (i) => {
        age();
        if (!i.Name) throw awsError('InvalidParameterException', 'Name is required');
        const old = this.secrets.get(i.Name);
        if (old?.deletedDate) throw awsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
        // The same ClientRequestToken with the same value: the retry of a create that succeeded.
        if (old && i.ClientRequestToken && old.token === i.ClientRequestToken && old.value === i.SecretString) return { ARN: old.arn, Name: old.name, VersionId: old.token };
        if (old) throw awsError('ResourceExistsException', `The operation failed because the secret ${i.Name} already exists.`);
        const suffix = String(this.seq++).padStart(6, 'x').slice(-6);
        const x: FakeSecret = { name: i.Name, arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${i.Name}-${suffix}`, value: i.SecretString, token: i.ClientRequestToken ?? `token-${suffix}`, tags: i.Tags ?? [], purgeChecks: 0 };
        this.secrets.set(i.Name, x);
        return { ARN: x.arn, Name: x.name, VersionId: x.token };
      },
      DescribeSecret: (i) => {
        age();
        const x = byId(i.SecretId);
        if (!x) throw notFound();
        // Never the value.
        return { ARN: x.arn, Name: x.name, Tags: x.tags, ...(x.deletedDate ? { DeletedDate: x.deletedDate } : {}) };
      },
      DeleteSecret: (i) => {
        age();
        if (i.ForceDeleteWithoutRecovery && i.RecoveryWindowInDays !== undefined) throw awsError('InvalidParameterException', 'You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
        const x = byId(i.SecretId);
        // A forced delete of a missing secret succeeds (Secrets Manager API reference, DeleteSecret).
        if (!x) {
          if (i.ForceDeleteWithoutRecovery) return { Name: i.SecretId };
          throw notFound();
        }
        if (!x.deletedDate) {
          x.deletedDate = new Date();
          x.purgeChecks = i.ForceDeleteWithoutRecovery ? this.secretPurgeChecks : Number.POSITIVE_INFINITY;
        }
        return { ARN: x.arn, Name: x.name, DeletionDate: x.deletedDate };
      },
    };
  }

  private medialive(): Record<string, Handler> {
    const notFound = (what: string) => awsError('NotFoundException', `${what} not found`, 404);
    const channel = (id: string) => {
      const c = this.channels.get(id);
      if (!c) throw notFound(`Channel ${id}`);
      return c;
    };
    const input = (id: string) => {
      const x = this.inputs.get(id);
      if (!x) throw notFound(`Input ${id}`);
      return x;
    };
    const sg = (id: string) => {
      const x = this.sgs.get(id);
      if (!x) throw notFound(`Input security group ${id}`);
      return x;
    };
    const channelOut = (c: FakeChannel) => ({ Id: c.id, Arn: c.arn, Name: c.name, State: c.state, InputAttachments: c.request.InputAttachments, Destinations: c.request.Destinations, Tags: c.request.Tags ?? {} });
    const inputOut = (x: FakeInput) => ({ Id: x.id, Arn: x.arn, Name: x.name, Type: x.type, State: x.state, SecurityGroups: x.sgIds, Destinations: x.destinations, ...(x.request.SrtSettings ? { SrtSettings: x.request.SrtSettings } : {}), Tags: x.request.Tags ?? {}, AttachedChannels: [...this.channels.values()].filter((c) => c.inputId === x.id && c.state !== 'DELETED').map((c) => c.id) });
    const settle = (c: FakeChannel) => {
      if (c.state === 'STARTING' && c.startFails) {
        c.state = 'IDLE';
        c.alerts = [...(c.alerts ?? []), { ...c.startFails, Id: this.id('alert'), PipelineId: '0', State: 'SET', SetTimestamp: new Date() }];
        delete c.startFails;
        return;
      }
      const next: Record<string, string> = { CREATING: 'IDLE', STARTING: 'RUNNING', STOPPING: 'IDLE', DELETING: 'DELETED' };
      if (next[c.state]) c.state = next[c.state]!;
      if (c.state === 'DELETED') this.refreshInput(c.inputId);
    };
    return {
      CreateInputSecurityGroup: (i) => {
        const id = this.id('');
        const g: FakeSg = { id, arn: `arn:aws:medialive:${this.region}:${this.accountId}:inputSecurityGroup:${id}`, state: 'IDLE', cidrs: (i.WhitelistRules ?? []).map((r: Input) => r.Cidr), lagChecks: 0, tags: i.Tags ?? {} };
        this.sgs.set(id, g);
        return { SecurityGroup: { Id: id, Arn: g.arn, State: g.state, WhitelistRules: i.WhitelistRules } };
      },
      DescribeInputSecurityGroup: (i) => {
        const g = sg(i.InputSecurityGroupId);
        const out = { Id: g.id, Arn: g.arn, State: g.state, Tags: g.tags, WhitelistRules: g.cidrs.map((Cidr) => ({ Cidr })) };
        // MediaLive keeps a group IN_USE for a moment after its input is deleted.
        if (g.state === 'IN_USE' && !this.sgReferenced(g.id)) {
          if (g.lagChecks > 0) g.lagChecks -= 1;
          else g.state = 'IDLE';
        }
        return out;
      },
      ListInputSecurityGroups: () => ({
        InputSecurityGroups: [...this.sgs.values()].filter((g) => g.state !== 'DELETED').map((g) => ({
          Id: g.id, Arn: g.arn, State: g.state, Tags: g.tags, WhitelistRules: g.cidrs.map((Cidr) => ({ Cidr })),
          Inputs: [...this.inputs.values()].filter((x) => x.state !== 'DELETED' && x.sgIds.includes(g.id)).map((x) => x.id),
        })),
      }),
      DeleteInputSecurityGroup: (i) => {
        const g = sg(i.InputSecurityGroupId);
        if (g.state === 'DELETED') throw notFound(`Input security group ${g.id}`);
        if (g.state === 'IN_USE') throw awsError('BadRequestException', 'Input security group is in use');
        g.state = 'DELETED';
      },
      CreateInput: (i) => {
        const same = [...this.inputs.values()].find((x) => i.RequestId && x.requestId === i.RequestId);
        if (same) return { Input: inputOut(same) };
        if (i.Type === 'INPUT_DEVICE') {
          const busy = [...this.inputs.values()].find((x) => x.state !== 'DELETED' && x.request.InputDevices?.[0]?.Id === i.InputDevices?.[0]?.Id);
          if (busy) throw awsError('UnprocessableEntityException', `Device ${i.InputDevices[0].Id} is already attached to input ${busy.id}`, 422);
        }
        const id = this.id('');
        const destinations = i.Type === 'RTMP_PUSH'
          ? (i.Destinations ?? []).map((d: Input) => ({ Url: `rtmp://198.51.100.10:1935/${d.StreamName}`, Ip: '198.51.100.10', Port: '1935' }))
          : i.Type === 'RTP_PUSH' ? [{ Url: 'rtp://198.51.100.10:5000', Ip: '198.51.100.10', Port: '5000' }, { Url: 'rtp://198.51.100.11:5000', Ip: '198.51.100.11', Port: '5000' }]
            // A standard SRT listener input: one srt://<ip>:5050 per pipeline (MediaLive UG setup-uss-srt-listener).
            : i.Type === 'SRT_LISTENER' ? [{ Url: 'srt://198.51.100.10:5050', Ip: '198.51.100.10', Port: '5050' }, { Url: 'srt://198.51.100.11:5050', Ip: '198.51.100.11', Port: '5050' }] : [];
        this.checkSrtInput(i);
        const x: FakeInput = { id, arn: `arn:aws:medialive:${this.region}:${this.accountId}:input:${id}`, name: i.Name, type: i.Type, state: 'CREATING', sgIds: i.InputSecurityGroups ?? [], destinations, requestId: i.RequestId, request: i };
        this.inputs.set(id, x);
        for (const g of x.sgIds) sg(g).state = 'IN_USE';
        return { Input: inputOut(x) };
      },
      DescribeInput: (i) => {
        const x = input(i.InputId);
        const out = inputOut(x);
        if (x.state === 'CREATING') this.refreshInput(x.id, true);
        else if (x.state === 'DELETING') {
          x.state = 'DELETED';
          for (const g of x.sgIds) this.sgs.get(g)!.lagChecks = 1;
        }
        return out;
      },
      ListInputs: () => ({ Inputs: [...this.inputs.values()].map(inputOut) }),
      DeleteInput: (i) => {
        const x = input(i.InputId);
        if (x.state === 'DELETED') throw notFound(`Input ${x.id}`);
        if (x.state === 'ATTACHED') throw awsError('BadRequestException', `Cannot delete an input that is attached to a channel (${x.id})`);
        x.state = 'DELETING';
      },
      CreateChannel: (i) => {
        const same = [...this.channels.values()].find((c) => i.RequestId && c.requestId === i.RequestId);
        if (same) return { Channel: channelOut(same) };
        const inputId = i.InputAttachments?.[0]?.InputId;
        const x = input(inputId);
        if (x.state !== 'DETACHED') throw awsError('UnprocessableEntityException', `Input ${inputId} is ${x.state}`, 422);
        if (!i.RoleArn || ![...this.roles.values()].some((r) => r.arn === i.RoleArn)) throw awsError('UnprocessableEntityException', 'RoleArn does not exist', 422);
        const id = this.id('');
        const c: FakeChannel = { id, arn: `arn:aws:medialive:${this.region}:${this.accountId}:channel:${id}`, name: i.Name, state: 'CREATING', inputId, requestId: i.RequestId, request: i };
        this.channels.set(id, c);
        x.state = 'ATTACHED';
        return { Channel: channelOut(c) };
      },
      DescribeChannel: (i) => {
        const c = channel(i.ChannelId);
        const out = channelOut(c);
        settle(c);
        return out;
      },
      ListChannels: () => ({ Channels: [...this.channels.values()].map(channelOut) }),
      ListAlerts: (i) => ({ Alerts: (channel(i.ChannelId).alerts ?? []).filter((a) => !i.StateFilter || a.State === i.StateFilter) }),
      StartChannel: (i) => {
        const c = channel(i.ChannelId);
        if (c.state !== 'IDLE') throw awsError('ConflictException', `Channel is in ${c.state} state, cannot be started`, 409);
        c.state = 'STARTING';
        return channelOut(c);
      },
      StopChannel: (i) => {
        const c = channel(i.ChannelId);
        if (c.state !== 'RUNNING' && c.state !== 'STARTING') throw awsError('ConflictException', `Channel is in ${c.state} state, cannot be stopped`, 409);
        c.state = 'STOPPING';
        return channelOut(c);
      },
      DeleteChannel: (i) => {
        const c = channel(i.ChannelId);
        if (c.state === 'DELETED') throw notFound(`Channel ${c.id}`);
        if (c.state !== 'IDLE' && c.state !== 'CREATE_FAILED') throw awsError('ConflictException', 'Cannot delete a channel that has not been stopped yet', 409);
        c.state = 'DELETING';
        return channelOut(c);
      },
    };
  }

  private sgReferenced(id: string): boolean {
    return [...this.inputs.values()].some((x) => x.state !== 'DELETED' && x.sgIds.includes(id));
  }

  private refreshInput(id: string, created = false): void {
    const x = this.inputs.get(id);
    if (!x || x.state === 'DELETED' || x.state === 'DELETING') return;
    const attached = [...this.channels.values()].some((c) => c.inputId === id && c.state !== 'DELETED');
    if (created || x.state === 'ATTACHED') x.state = attached ? 'ATTACHED' : 'DETACHED';
  }

  private s3(): Record<string, Handler> {
    // A bucket answers only at its own region's endpoint; elsewhere S3 answers 301 PermanentRedirect
    // (the SDK does not follow it unless followRegionRedirects is set, and livestream does not).
    const bucket = (name: string, region: string) => {
      const b = this.buckets.get(name);
      if (!b) throw awsError('NoSuchBucket', 'The specified bucket does not exist', 404);
      if (b.region !== region) throw awsError('PermanentRedirect', `The bucket you are attempting to access must be addressed using the specified endpoint (bucket ${name} is in ${b.region}, the request went to ${region}).`, 301);
      return b;
    };
    const put = (key: string) => (i: Input, r: string) => void (bucket(i.Bucket, r).config[key] = i[key] ?? i);
    const list = (i: Input, r: string) => [...bucket(i.Bucket, r).objects.keys()].filter((k) => !i.Prefix || k.startsWith(i.Prefix)).sort();
    return {
      CreateBucket: (i, region) => {
        if (this.buckets.has(i.Bucket)) throw awsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409);
        // S3 creates the bucket in the region of the endpoint the request went to, and the body's
        // LocationConstraint must name that region (none for us-east-1, which refuses its own name).
        const constraint: string | undefined = i.CreateBucketConfiguration?.LocationConstraint;
        if (constraint === 'us-east-1') throw awsError('InvalidLocationConstraint', 'The specified location-constraint is not valid');
        if ((constraint ?? 'us-east-1') !== region) {
          throw awsError('IllegalLocationConstraintException', `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`);
        }
        this.buckets.set(i.Bucket, { region, config: {}, objects: new Map() });
        return { Location: `/${i.Bucket}` };
      },
      HeadBucket: (i, region) => {
        if (!this.buckets.has(i.Bucket)) throw awsError('NotFound', 'NotFound', 404);
        bucket(i.Bucket, region);
        return {};
      },
      PutPublicAccessBlock: put('PublicAccessBlockConfiguration'),
      PutBucketOwnershipControls: put('OwnershipControls'),
      PutBucketEncryption: put('ServerSideEncryptionConfiguration'),
      PutBucketTagging: put('Tagging'),
      PutBucketCors: put('CORSConfiguration'),
      PutBucketLifecycleConfiguration: put('LifecycleConfiguration'),
      PutBucketMetricsConfiguration: put('MetricsConfiguration'),
      PutBucketPolicy: (i, r) => void (bucket(i.Bucket, r).policy = i.Policy),
      GetBucketPolicy: (i, r) => {
        const p = bucket(i.Bucket, r).policy;
        if (!p) throw awsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
        return { Policy: p };
      },
      DeleteBucketPolicy: (i, r) => void delete bucket(i.Bucket, r).policy,
      GetBucketTagging: (i, r) => {
        const t = bucket(i.Bucket, r).config.Tagging as { TagSet?: unknown[] } | undefined;
        if (!t) throw awsError('NoSuchTagSet', 'The TagSet does not exist', 404);
        return { TagSet: t.TagSet ?? [] };
      },
      PutObject: (i, r) => {
        bucket(i.Bucket, r).objects.set(i.Key, { body: Buffer.from(i.Body), contentType: i.ContentType, lastModified: new Date() });
        return { ETag: '"etag"' };
      },
      HeadObject: (i, r) => {
        const o = bucket(i.Bucket, r).objects.get(i.Key);
        if (!o) throw awsError('NotFound', 'NotFound', 404);
        return { ContentType: o.contentType, ContentLength: o.body.length };
      },
      ListObjectVersions: (i, r) => ({ Versions: list(i, r).map((Key) => ({ Key, VersionId: 'null' })), IsTruncated: false }),
      ListObjectsV2: (i, r) => {
        // Pages of MaxKeys (S3: at most 1000) with an opaque continuation token, as S3 pages.
        const keys = list(i, r);
        const from = i.ContinuationToken ? Number(Buffer.from(i.ContinuationToken, 'base64').toString('utf8')) : 0;
        const max = Math.min(i.MaxKeys ?? this.listPageSize, 1000);
        const page = keys.slice(from, from + max);
        const objects = bucket(i.Bucket, r).objects;
        const more = from + max < keys.length;
        return {
          Contents: page.map((Key) => ({ Key, Size: objects.get(Key)!.body.length, LastModified: objects.get(Key)!.lastModified ?? new Date(0) })),
          IsTruncated: more,
          KeyCount: page.length,
          ...(more ? { NextContinuationToken: Buffer.from(String(from + max)).toString('base64') } : {}),
        };
      },
      GetObject: (i, r) => {
        const o = bucket(i.Bucket, r).objects.get(i.Key);
        if (!o) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
        return { Body: Readable.from([o.body]), ContentLength: o.body.length, ContentType: o.contentType, LastModified: o.lastModified };
      },
      DeleteObjects: (i, r) => {
        const b = bucket(i.Bucket, r);
        for (const o of i.Delete.Objects) b.objects.delete(o.Key);
        return { Deleted: i.Delete.Objects };
      },
      DeleteBucket: (i, r) => {
        if (bucket(i.Bucket, r).objects.size > 0) throw awsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
        this.buckets.delete(i.Bucket);
      },
    };
  }

  private cloudfront(): Record<string, Handler> {
    const etag = () => this.id('E');
    const dist = (id: string) => {
      const d = this.distributions.get(id);
      if (!d) throw awsError('NoSuchDistribution', 'The specified distribution does not exist.', 404);
      return d;
    };
    const distOut = (d: FakeDistribution) => ({ Id: d.id, ARN: d.arn, DomainName: d.domain, Status: d.status, DistributionConfig: d.config });
    const ifMatch = (given: string | undefined, current: string) => {
      if (!given) throw awsError('InvalidIfMatchVersion', 'The If-Match version is missing or not valid for the resource.');
      if (given !== current) throw awsError('PreconditionFailed', 'The precondition given in one or more of the request-header fields evaluated to false.', 412);
    };
    const fn = (name: string) => {
      const f = this.functions.get(name);
      if (!f) throw awsError('NoSuchFunctionExists', 'The function does not exist.', 404);
      return f;
    };
    const fnOut = (f: FakeFunction, stage: string) => ({
      Name: f.name,
      Status: 'UNASSOCIATED',
      FunctionConfig: f.config,
      FunctionMetadata: { FunctionARN: f.arn, Stage: stage, LastModifiedTime: new Date(0) },
    });
    // CloudFront refuses an association with a function that is not published (no LIVE stage).
    const checkFunctions = (config: Input) => {
      const behaviours = [config.DefaultCacheBehavior, ...(config.CacheBehaviors?.Items ?? [])];
      for (const b of behaviours) {
        for (const a of b?.FunctionAssociations?.Items ?? []) {
          const f = [...this.functions.values()].find((x) => x.arn === a.FunctionARN);
          if (!f || !f.published) throw awsError('InvalidFunctionAssociation', `The function ARN ${a.FunctionARN} is invalid or not published.`);
        }
      }
    };
    const inUse = (key: 'OriginAccessControlId' | 'CachePolicyId', id: string) =>
      [...this.distributions.values()].some((d) => JSON.stringify(d.config).includes(`"${key}":"${id}"`));
    return {
      CreateOriginAccessControl: (i) => {
        const c = i.OriginAccessControlConfig;
        if ([...this.oacs.values()].some((o) => o.config.Name === c.Name)) throw awsError('OriginAccessControlAlreadyExists', 'An origin access control with the same name already exists.', 409);
        const id = this.id('OAC');
        const o = { id, config: c, etag: etag() };
        this.oacs.set(id, o);
        return { OriginAccessControl: { Id: id, OriginAccessControlConfig: c }, ETag: o.etag };
      },
      GetOriginAccessControl: (i) => {
        const o = this.oacs.get(i.Id);
        if (!o) throw awsError('NoSuchOriginAccessControl', 'The origin access control does not exist.', 404);
        return { OriginAccessControl: { Id: o.id, OriginAccessControlConfig: o.config }, ETag: o.etag };
      },
      ListOriginAccessControls: () => ({ OriginAccessControlList: { Items: [...this.oacs.values()].map((o) => ({ Id: o.id, Name: o.config.Name })), Quantity: this.oacs.size } }),
      DeleteOriginAccessControl: (i) => {
        const o = this.oacs.get(i.Id);
        if (!o) throw awsError('NoSuchOriginAccessControl', 'The origin access control does not exist.', 404);
        ifMatch(i.IfMatch, o.etag);
        if (inUse('OriginAccessControlId', o.id)) throw awsError('OriginAccessControlInUse', 'The origin access control is in use.', 409);
        this.oacs.delete(i.Id);
      },
      CreateCachePolicy: (i) => {
        const c = i.CachePolicyConfig;
        if ([...this.cachePolicies.values()].some((p) => p.config.Name === c.Name)) throw awsError('CachePolicyAlreadyExists', 'A cache policy with this name already exists.', 409);
        const id = this.id('CP');
        const p = { id, config: c, etag: etag() };
        this.cachePolicies.set(id, p);
        return { CachePolicy: { Id: id, CachePolicyConfig: c }, ETag: p.etag };
      },
      GetCachePolicy: (i) => {
        const p = this.cachePolicies.get(i.Id);
        if (!p) throw awsError('NoSuchCachePolicy', 'The cache policy does not exist.', 404);
        return { CachePolicy: { Id: p.id, CachePolicyConfig: p.config }, ETag: p.etag };
      },
      ListCachePolicies: () => ({ CachePolicyList: { Items: [...this.cachePolicies.values()].map((p) => ({ Type: 'custom', CachePolicy: { Id: p.id, CachePolicyConfig: p.config } })), Quantity: this.cachePolicies.size } }),
      DeleteCachePolicy: (i) => {
        const p = this.cachePolicies.get(i.Id);
        if (!p) throw awsError('NoSuchCachePolicy', 'The cache policy does not exist.', 404);
        ifMatch(i.IfMatch, p.etag);
        if (inUse('CachePolicyId', p.id)) throw awsError('CachePolicyInUse', 'Cannot delete the cache policy because it is attached to one or more cache behaviors.', 409);
        this.cachePolicies.delete(i.Id);
      },
      CreateFunction: (i) => {
        if (!/^[a-zA-Z0-9-_]{1,64}$/.test(i.Name)) throw awsError('InvalidArgument', `Function name ${i.Name} is invalid.`);
        if (this.functions.has(i.Name)) throw awsError('FunctionAlreadyExists', `A function with the name ${i.Name} already exists.`, 409);
        const f: FakeFunction = { name: i.Name, arn: `arn:aws:cloudfront::${this.accountId}:function/${i.Name}`, config: i.FunctionConfig, code: Buffer.from(i.FunctionCode).toString('utf8'), etag: etag(), published: false, tags: i.Tags };
        this.functions.set(i.Name, f);
        return { FunctionSummary: fnOut(f, 'DEVELOPMENT'), ETag: f.etag, Location: `https://cloudfront.amazonaws.com/2020-05-31/function/${f.arn}` };
      },
      DescribeFunction: (i) => {
        const f = fn(i.Name);
        if (i.Stage === 'LIVE' && !f.published) throw awsError('NoSuchFunctionExists', 'The function does not exist at the LIVE stage.', 404);
        return { FunctionSummary: fnOut(f, i.Stage ?? 'DEVELOPMENT'), ETag: f.etag };
      },
      UpdateFunction: (i) => {
        const f = fn(i.Name);
        ifMatch(i.IfMatch, f.etag);
        f.config = i.FunctionConfig;
        f.code = Buffer.from(i.FunctionCode).toString('utf8');
        f.etag = etag();
        return { FunctionSummary: fnOut(f, 'DEVELOPMENT'), ETag: f.etag };
      },
      PublishFunction: (i) => {
        const f = fn(i.Name);
        ifMatch(i.IfMatch, f.etag);
        f.published = true;
        f.etag = etag();
        return { FunctionSummary: fnOut(f, 'LIVE') };
      },
      DeleteFunction: (i) => {
        const f = fn(i.Name);
        ifMatch(i.IfMatch, f.etag);
        if ([...this.distributions.values()].some((d) => JSON.stringify(d.config).includes(`"FunctionARN":"${f.arn}"`))) {
          throw awsError('FunctionInUse', 'Cannot delete function, it\'s in use by one or more distributions.', 409);
        }
        this.functions.delete(i.Name);
      },
      CreateDistributionWithTags: (i) => {
        const config = i.DistributionConfigWithTags.DistributionConfig;
        const same = [...this.distributions.values()].find((d) => d.callerReference === config.CallerReference);
        // CloudFront: the same CallerReference with the same config returns that distribution;
        // with another config it is DistributionAlreadyExists.
        if (same && JSON.stringify(same.createdWith) === JSON.stringify(config)) return { Distribution: distOut(same), ETag: same.etag };
        if (same) throw awsError('DistributionAlreadyExists', `The caller reference that you are using to create a distribution is associated with another distribution. Already exists: ${same.id}`, 409);
        checkFunctions(config);
        const oac = config.Origins.Items[0].OriginAccessControlId;
        if (oac && !this.oacs.has(oac)) throw awsError('NoSuchOriginAccessControl', 'The origin access control does not exist.', 404);
        const id = this.id('EDIST');
        const d: FakeDistribution = { id, arn: `arn:aws:cloudfront::${this.accountId}:distribution/${id}`, domain: `d${id.toLowerCase()}.cloudfront.net`, config, createdWith: config, status: 'InProgress', etag: etag(), callerReference: config.CallerReference, tags: i.DistributionConfigWithTags.Tags?.Items ?? [] };
        this.distributions.set(id, d);
        return { Distribution: distOut(d), ETag: d.etag, Location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${id}` };
      },
      GetDistribution: (i) => {
        const d = dist(i.Id);
        const out = { Distribution: distOut(d), ETag: d.etag };
        d.status = 'Deployed';
        return out;
      },
      GetDistributionConfig: (i) => {
        const d = dist(i.Id);
        return { DistributionConfig: d.config, ETag: d.etag };
      },
      ListTagsForResource: (i) => {
        const d = [...this.distributions.values()].find((x) => x.arn === i.Resource);
        if (!d) throw awsError('NoSuchResource', 'The specified resource does not exist.', 404);
        return { Tags: { Items: d.tags ?? [] } };
      },
      ListDistributions: () => ({ DistributionList: { Items: [...this.distributions.values()].map((d) => ({ Id: d.id, ARN: d.arn, DomainName: d.domain, Comment: d.config.Comment, Enabled: d.config.Enabled, Status: d.status })), Quantity: this.distributions.size } }),
      UpdateDistribution: (i) => {
        const d = dist(i.Id);
        ifMatch(i.IfMatch, d.etag);
        checkFunctions(i.DistributionConfig);
        d.config = i.DistributionConfig;
        d.status = 'InProgress';
        d.etag = etag();
        return { Distribution: distOut(d), ETag: d.etag };
      },
      DeleteDistribution: (i) => {
        const d = dist(i.Id);
        ifMatch(i.IfMatch, d.etag);
        if (d.config.Enabled) throw awsError('DistributionNotDisabled', 'The distribution you are trying to delete has not been disabled.', 409);
        if (d.status !== 'Deployed') throw awsError('DistributionNotDisabled', 'The distribution is still being deployed.', 409);
        this.distributions.delete(i.Id);
      },
    };
  }

  private cloudwatch(): Record<string, Handler> {
    return {
      PutDashboard: (i) => {
        JSON.parse(i.DashboardBody);
        this.dashboards.set(i.DashboardName, i.DashboardBody);
        return { DashboardValidationMessages: [] };
      },
      GetDashboard: (i) => {
        const body = this.dashboards.get(i.DashboardName);
        if (body === undefined) throw awsError('ResourceNotFound', 'Dashboard does not exist', 404);
        return { DashboardName: i.DashboardName, DashboardBody: body };
      },
      DeleteDashboards: (i) => {
        for (const n of i.DashboardNames) if (!this.dashboards.has(n)) throw awsError('ResourceNotFound', `Dashboard ${n} does not exist`, 404);
        for (const n of i.DashboardNames) this.dashboards.delete(n);
      },
    };
  }

  private mediastore(): Record<string, Handler> {
    const container = (name: string) => {
      const c = this.containers.get(name);
      if (!c) throw awsError('ContainerNotFoundException', `Container ${name} not found`);
      return c;
    };
    const out = (c: FakeContainer) => ({ Name: c.name, ARN: c.arn, Status: c.status, ...(c.status === 'ACTIVE' ? { Endpoint: c.endpoint } : {}), AccessLoggingEnabled: c.logging });
    return {
      CreateContainer: (i) => {
        if (this.containers.has(i.ContainerName)) throw awsError('ContainerInUseException', 'Container already exists');
        const c: FakeContainer = { name: i.ContainerName, arn: `arn:aws:mediastore:${this.region}:${this.accountId}:container/${i.ContainerName}`, endpoint: `https://${i.ContainerName}xyz.data.mediastore.${this.region}.amazonaws.com`, status: 'CREATING', logging: false, objects: new Map() };
        this.containers.set(c.name, c);
        return { Container: out(c) };
      },
      DescribeContainer: (i) => {
        const c = container(i.ContainerName);
        const o = out(c);
        if (c.status === 'CREATING') c.status = 'ACTIVE';
        return { Container: o };
      },
      PutContainerPolicy: (i) => void (container(i.ContainerName).policy = i.Policy),
      GetContainerPolicy: (i) => {
        const p = container(i.ContainerName).policy;
        if (!p) throw awsError('PolicyNotFoundException', 'No policy');
        return { Policy: p };
      },
      DeleteContainerPolicy: (i) => {
        const c = container(i.ContainerName);
        if (!c.policy) throw awsError('PolicyNotFoundException', 'No policy');
        delete c.policy;
      },
      PutCorsPolicy: (i) => void (container(i.ContainerName).cors = i.CorsPolicy),
      PutLifecyclePolicy: (i) => void (container(i.ContainerName).lifecycle = i.LifecyclePolicy),
      PutMetricPolicy: (i) => void (container(i.ContainerName).metric = i.MetricPolicy),
      StartAccessLogging: (i) => void (container(i.ContainerName).logging = true),
      DeleteContainer: (i) => {
        const c = container(i.ContainerName);
        if (c.objects.size > 0) throw awsError('ContainerInUseException', 'The container is not empty');
        this.containers.delete(i.ContainerName);
      },
    };
  }

  /** MediaStore objects go to the one container (the fake serves a single container endpoint). */
  private mediastoreData(): Record<string, Handler> {
    const only = () => {
      const c = [...this.containers.values()][0];
      if (!c) throw awsError('ContainerNotFoundException', 'no container');
      return c;
    };
    return {
      PutObject: (i) => {
        only().objects.set(i.Path, { body: Buffer.from(i.Body), contentType: i.ContentType });
        return { ETag: 'etag' };
      },
      DescribeObject: (i) => {
        const o = only().objects.get(i.Path);
        if (!o) throw awsError('ObjectNotFoundException', 'not found', 404);
        return { ContentType: o.contentType, ContentLength: o.body.length };
      },
      DeleteObject: (i) => {
        if (!only().objects.delete(i.Path)) throw awsError('ObjectNotFoundException', 'not found', 404);
      },
      ListItems: (i) => {
        const prefix = i.Path ? `${i.Path}/` : '';
        const items = new Map<string, string>();
        for (const key of only().objects.keys()) {
          if (!key.startsWith(prefix)) continue;
          const rest = key.slice(prefix.length);
          const slash = rest.indexOf('/');
          items.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1 ? 'OBJECT' : 'FOLDER');
        }
        return { Items: [...items].map(([Name, Type]) => ({ Name, Type })) };
      },
    };
  }

  // ---- EventBridge Scheduler (issue 12): schedule groups, one-time schedules, and their firing ----

  /** Schedule groups by name; a deleted group stays DELETING for `scheduleGroupDeleteChecks` reads. */
  readonly scheduleGroups = new Map<string, FakeScheduleGroup>();
  scheduleGroupDeleteChecks = 1;
  /** Schedules by "group/name". */
  readonly schedules = new Map<string, FakeSchedule>();

  /**
   * What EventBridge Scheduler does when time passes: every enabled schedule whose `at(...)` (UTC)
   * is due by `now` and has not fired invokes its target once, as its role. The universal target
   * medialive:stopChannel stops the channel (as StopChannel does: STOPPING, IDLE on the next read)
   * only if the role trusts scheduler.amazonaws.com for this account and its policy allows
   * medialive:StopChannel on that channel's ARN. ActionAfterCompletion DELETE removes the schedule.
   */
  fireDueSchedules(now: Date): Array<{ schedule: string; outcome: 'stopped' | 'denied' | 'failed'; detail: string }> {
    const out: Array<{ schedule: string; outcome: 'stopped' | 'denied' | 'failed'; detail: string }> = [];
    for (const [key, x] of [...this.schedules]) {
      const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(x.request.ScheduleExpression);
      if (!m || x.firedAt || x.request.State === 'DISABLED' || (x.request.ScheduleExpressionTimezone ?? 'UTC') !== 'UTC') continue;
      if (Date.parse(`${m[1]}Z`) > now.getTime()) continue;
      x.firedAt = now;
      const result = this.invokeTarget(x.request.Target);
      x.outcome = result.outcome;
      out.push({ schedule: key, ...result });
      if (x.request.ActionAfterCompletion === 'DELETE') this.schedules.delete(key);
    }
    return out;
  }

  private invokeTarget(t: Input): { outcome: 'stopped' | 'denied' | 'failed'; detail: string } {
    if (t.Arn !== 'arn:aws:scheduler:::aws-sdk:medialive:stopChannel') return { outcome: 'failed', detail: `the fake invokes only medialive:stopChannel, not ${t.Arn}` };
    const role = [...this.roles.values()].find((r) => r.arn === t.RoleArn);
    if (!role) return { outcome: 'denied', detail: `role ${t.RoleArn} does not exist` };
    const trust = JSON.parse(role.trust) as { Statement: Input[] };
    const assumable = trust.Statement.some((st) => st.Effect === 'Allow' && st.Principal?.Service === 'scheduler.amazonaws.com'
      && [st.Condition?.StringEquals?.['aws:SourceAccount'] ?? this.accountId].flat().includes(this.accountId));
    if (!assumable) return { outcome: 'denied', detail: 'the role does not trust scheduler.amazonaws.com for this account' };
    let channelId: string;
    try {
      channelId = JSON.parse(t.Input).ChannelId;
    } catch {
      return { outcome: 'failed', detail: 'Input is not JSON' };
    }
    const c = this.channels.get(channelId);
    if (!c || c.state === 'DELETED') return { outcome: 'failed', detail: `channel ${channelId} not found` };
    const glob = (pattern: string, value: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
    const allowed = [...role.policies.values()].some((doc) => (JSON.parse(doc).Statement as Input[]).some((st) => st.Effect === 'Allow'
      && [st.Action].flat().some((a: string) => glob(a, 'medialive:StopChannel'))
      && [st.Resource].flat().some((r: string) => glob(r, c.arn))));
    if (!allowed) return { outcome: 'denied', detail: `the role may not medialive:StopChannel on ${c.arn}` };
    if (c.state !== 'RUNNING' && c.state !== 'STARTING') return { outcome: 'failed', detail: `Channel is in ${c.state} state, cannot be stopped` };
    c.state = 'STOPPING';
    return { outcome: 'stopped', detail: `channel ${channelId} stopping` };
  }

  private scheduler(): Record<string, Handler> {
    const notFound = (what: string) => awsError('ResourceNotFoundException', `${what} does not exist.`, 404);
    // Reading a DELETING group moves its deletion on (AWS finishes it asynchronously).
    const group = (name: string) => {
      const g = this.scheduleGroups.get(name);
      if (!g) throw notFound(`Schedule group ${name}`);
      if (g.state === 'DELETING' && g.deleteChecks-- <= 0) {
        this.scheduleGroups.delete(name);
        throw notFound(`Schedule group ${name}`);
      }
      return g;
    };
    const schedule = (i: Input) => {
      const x = this.schedules.get(`${i.GroupName ?? 'default'}/${i.Name}`);
      if (!x) throw notFound(`Schedule ${i.Name}`);
      return x;
    };
    const checkSchedule = (i: Input) => {
      if (!/^(at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)|rate\(.+\)|cron\(.+\))$/.test(i.ScheduleExpression)) throw awsError('ValidationException', `Invalid Schedule Expression ${i.ScheduleExpression}.`);
      if (i.FlexibleTimeWindow?.Mode === 'FLEXIBLE' && !i.FlexibleTimeWindow.MaximumWindowInMinutes) throw awsError('ValidationException', 'MaximumWindowInMinutes is required when Mode is FLEXIBLE.');
      const g = group(i.GroupName ?? 'default');
      if (g.state !== 'ACTIVE') throw awsError('ConflictException', `Schedule group ${g.name} is being deleted.`, 409);
    };
    const arnOf = (i: Input) => `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${i.GroupName ?? 'default'}/${i.Name}`;
    return {
      CreateScheduleGroup: (i) => {
        const old = this.scheduleGroups.get(i.Name);
        // The same ClientToken is the same request: its answer again (Scheduler API: idempotency).
        if (old && i.ClientToken && old.token === i.ClientToken && old.state === 'ACTIVE') return { ScheduleGroupArn: old.arn };
        if (old) throw awsError('ConflictException', `Schedule group ${i.Name} already exists.`, 409);
        const g: FakeScheduleGroup = { name: i.Name, arn: `arn:aws:scheduler:${this.region}:${this.accountId}:schedule-group/${i.Name}`, state: 'ACTIVE', tags: i.Tags ?? [], token: i.ClientToken, deleteChecks: 0 };
        this.scheduleGroups.set(i.Name, g);
        return { ScheduleGroupArn: g.arn };
      },
      GetScheduleGroup: (i) => {
        const g = group(i.Name);
        return { Arn: g.arn, Name: g.name, State: g.state, CreationDate: new Date(0), LastModificationDate: new Date(0) };
      },
      ListScheduleGroups: (i) => ({ ScheduleGroups: [...this.scheduleGroups.values()].filter((g) => !i.NamePrefix || g.name.startsWith(i.NamePrefix)).map((g) => ({ Arn: g.arn, Name: g.name, State: g.state })) }),
      DeleteScheduleGroup: (i) => {
        if (i.Name === 'default') throw awsError('ValidationException', 'The default schedule group cannot be deleted.');
        const g = group(i.Name);
        if (g.state === 'DELETING') return {};
        // Deleting a group deletes its schedules (Scheduler API: DeleteScheduleGroup).
        for (const [key, x] of [...this.schedules]) if (x.group === g.name) this.schedules.delete(key);
        g.state = 'DELETING';
        g.deleteChecks = this.scheduleGroupDeleteChecks;
        return {};
      },
      // Only groups take tags; a schedule's ARN is not a taggable resource.
      TagResource: (i) => {
        const g = [...this.scheduleGroups.values()].find((x) => x.arn === i.ResourceArn);
        if (!g) throw notFound(`Resource ${i.ResourceArn}`);
        g.tags = [...g.tags.filter((t) => !i.Tags.some((n: Input) => n.Key === t.Key)), ...i.Tags];
        return {};
      },
      ListTagsForResource: (i) => {
        const g = [...this.scheduleGroups.values()].find((x) => x.arn === i.ResourceArn);
        if (!g) throw notFound(`Resource ${i.ResourceArn}`);
        return { Tags: g.tags };
      },
      CreateSchedule: (i) => {
        checkSchedule(i);
        const key = `${i.GroupName ?? 'default'}/${i.Name}`;
        const old = this.schedules.get(key);
        if (old && i.ClientToken && old.token === i.ClientToken) return { ScheduleArn: arnOf(i) };
        if (old) throw awsError('ConflictException', `Schedule ${i.Name} already exists.`, 409);
        this.schedules.set(key, { name: i.Name, group: i.GroupName ?? 'default', request: i, token: i.ClientToken });
        return { ScheduleArn: arnOf(i) };
      },
      GetSchedule: (i) => {
        const x = schedule(i);
        const { ClientToken: _token, ...rest } = x.request;
        return { ...rest, Arn: arnOf(i), GroupName: x.group, State: x.request.State ?? 'ENABLED', CreationDate: new Date(0), LastModificationDate: new Date(0) };
      },
      // UpdateSchedule replaces every member (unset ones go back to their defaults), and a moved time may fire again.
      UpdateSchedule: (i) => {
        const x = schedule(i);
        checkSchedule(i);
        x.request = i;
        x.token = i.ClientToken;
        delete x.firedAt;
        delete x.outcome;
        return { ScheduleArn: arnOf(i) };
      },
      DeleteSchedule: (i) => {
        schedule(i);
        this.schedules.delete(`${i.GroupName ?? 'default'}/${i.Name}`);
        return {};
      },
    };
  }
}
