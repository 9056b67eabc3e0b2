/**
 * A loopback HTTP "AWS endpoint" for the --endpoint-url test: it records every request (method,
 * path, host, and the service from the SigV4 credential scope) and answers each service in its
 * own wire protocol (awsQuery XML, awsJson, restJson, restXml) just well enough for a whole
 * `up` and `down` to run. Loopback only, port 0.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  host: string;
  service: string;
  region: string;
  operation: string;
}

export interface AwsEndpoint {
  url: string;
  requests: SeenRequest[];
  /** Requests the server could not answer (a route it lacks). */
  errors: string[];
  services(): string[];
  close(): Promise<void>;
}

const ACCOUNT = '123456789012';

export async function startAwsEndpoint(): Promise<AwsEndpoint> {
  const requests: SeenRequest[] = [];
  const errors: string[] = [];
  const state = new EndpointState();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = String(req.headers.authorization ?? '');
      // AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/medialive/aws4_request, SignedHeaders=..., Signature=...
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        host: String(req.headers.host ?? ''),
        service: scope?.[2] ?? 'unsigned',
        region: scope?.[1] ?? '',
        operation: '',
      };
      requests.push(seen);
      try {
        state.answer(seen, req, body, res);
      } catch (err) {
        errors.push(`${seen.method} ${seen.path}: ${(err as Error).message}`);
        send(res, 400, 'application/json', JSON.stringify({ __type: 'EmulatorError', message: (err as Error).message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    errors,
    services: () => [...new Set(requests.map((r) => r.service))].sort(),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'x-amzn-requestid': 'req-1', ...headers });
  res.end(body);
}

const xml = (res: ServerResponse, body: string, headers: Record<string, string> = {}, status = 200) =>
  send(res, status, 'text/xml', `<?xml version="1.0" encoding="UTF-8"?>${body}`, headers);
const json = (res: ServerResponse, body: unknown, status = 200, type = 'application/x-amz-json-1.1') => send(res, status, type, JSON.stringify(body));

class EndpointState {
  private channelState = 'IDLE';
  /** The Type of the input `up` created (an SRT listener answers with its srt:// destination). */
  private inputType: string | undefined;
  private distributionEnabled = true;
  private seq = 0;
  private readonly gone = new Set<string>();
  /** What was created, by kind: the names and tags `up` sent, so lists and tag reads can answer. */
  private readonly made = new Map<string, { name: string; tags: Record<string, string>; id?: string }>();
  private readonly buckets = new Set<string>();

  answer(r: SeenRequest, req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(r.path, 'http://x');
    switch (r.service) {
      case 'sts':
      case 'iam':
        return this.query(r, new URLSearchParams(body), res);
      case 'mediastore':
        if (!req.headers['x-amz-target']) return this.mediastoreData(r, url, res);
        return this.awsJson(r, String(req.headers['x-amz-target']), body, res);
      case 'ssm':
      case 'secretsmanager':
      case 'monitoring':
        return this.awsJson(r, String(req.headers['x-amz-target'] ?? ''), body, res);
      case 'medialive':
        return this.medialive(r, url, res, body);
      case 'cloudfront':
        return this.cloudfront(r, url, res, body);
      case 's3':
        return this.s3(r, url, res);
      case 'scheduler':
        return this.scheduler(r, url, res, body);
      default:
        throw new Error(`no such service ${r.service}`);
    }
  }

  private query(r: SeenRequest, params: URLSearchParams, res: ServerResponse): void {
    const action = params.get('Action') ?? '';
    r.operation = action;
    const ns = r.service === 'sts' ? 'https://sts.amazonaws.com/doc/2011-06-15/' : 'https://iam.amazonaws.com/doc/2010-05-08/';
    const name = params.get('RoleName') ?? 'role';
    // Roles by name: the stack has two (MediaLive's and the stop schedule's).
    if (action === 'CreateRole') this.made.set(`role:${name}`, { name, tags: queryTags(params) });
    const made = this.made.get(`role:${name}`);
    if (action === 'GetRole' && made?.name !== name) {
      return xml(res, `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name ${name} cannot be found.</Message></Error></ErrorResponse>`, {}, 404);
    }
    const tags = Object.entries(made?.tags ?? {}).map(([k, v]) => `<member><Key>${k}</Key><Value>${v}</Value></member>`).join('');
    const role = `<Role><Path>/</Path><RoleName>${name}</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::${ACCOUNT}:role/${name}</Arn><CreateDate>2026-11-25T04:00:00Z</CreateDate><Tags>${tags}</Tags></Role>`;
    if (action === 'DeleteRole') this.made.delete(`role:${name}`);
    const results: Record<string, string> = {
      GetCallerIdentity: `<Arn>arn:aws:iam::${ACCOUNT}:user/tester</Arn><UserId>AIDATEST</UserId><Account>${ACCOUNT}</Account>`,
      CreateRole: role,
      GetRole: role,
    };
    const result = results[action];
    xml(res, `<${action}Response xmlns="${ns}">${result !== undefined ? `<${action}Result>${result}</${action}Result>` : ''}<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></${action}Response>`);
  }

  private awsJson(r: SeenRequest, target: string, body: string, res: ServerResponse): void {
    const op = target.split('.').pop() ?? '';
    r.operation = op;
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    const type = r.service === 'monitoring' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
    if (r.service === 'mediastore') {
      const name = String(input.ContainerName ?? 'c');
      if (op === 'CreateContainer') this.made.set(`container:${name}`, { name, tags: {} });
      if (op === 'DescribeContainer' && (this.gone.has(`container:${name}`) || !this.made.has(`container:${name}`))) return json(res, { __type: 'ContainerNotFoundException', Message: 'gone' }, 400, type);
      if (op === 'DeleteContainer') this.gone.add(`container:${name}`);
      const container = { Name: name, Status: 'ACTIVE', ARN: `arn:aws:mediastore:us-east-1:${ACCOUNT}:container/${name}`, Endpoint: `https://${name}.data.mediastore.us-east-1.amazonaws.com` };
      return json(res, op === 'CreateContainer' || op === 'DescribeContainer' ? { Container: container } : {}, 200, type);
    }
    if (r.service === 'secretsmanager') {
      const made = this.made.get('secret');
      const arn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${String(made?.name ?? input.Name)}-AbCdEf`;
      if (op === 'CreateSecret') {
        this.made.set('secret', { name: String(input.Name), tags: Object.fromEntries(((input.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value])) });
        return json(res, { ARN: arn, Name: input.Name }, 200, type);
      }
      if (!made) return json(res, op === 'DeleteSecret' ? {} : { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }, op === 'DeleteSecret' ? 200 : 400, type);
      if (op === 'DeleteSecret') this.made.delete('secret');
      return json(res, { ARN: arn, Name: made.name, Tags: Object.entries(made.tags).map(([Key, Value]) => ({ Key, Value })) }, 200, type);
    }
    if (op === 'PutParameter') {
      if (input.Tags) this.made.set('parameter', { name: String(input.Name), tags: Object.fromEntries((input.Tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value])) });
      return json(res, { Version: 1, Tier: 'Standard' }, 200, type);
    }
    const param = this.made.get('parameter');
    if (op === 'GetParameter') {
      if (!param || param.name !== input.Name) return json(res, { __type: 'ParameterNotFound', message: '' }, 400, type);
      return json(res, { Parameter: { Name: param.name, Type: 'SecureString', Value: 'encrypted' } }, 200, type);
    }
    if (op === 'ListTagsForResource') return json(res, { TagList: Object.entries(param?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }, 200, type);
    if (op === 'DeleteParameter') this.made.delete('parameter');
    if (op === 'PutDashboard') {
      this.made.set('dashboard', { name: String(input.DashboardName), tags: {} });
      return json(res, { DashboardValidationMessages: [] }, 200, type);
    }
    if (op === 'GetDashboard' && this.made.get('dashboard')?.name !== input.DashboardName) return json(res, { __type: 'ResourceNotFound', message: 'Dashboard does not exist' }, 404, type);
    if (op === 'DeleteDashboards') this.made.delete('dashboard');
    return json(res, {}, 200, type);
  }

  /** MediaStore's data plane (restJson, objects by path). */
  private mediastoreData(r: SeenRequest, url: URL, res: ServerResponse): void {
    r.operation = `data ${r.method}`;
    if (r.method === 'GET') return json(res, { Items: [] }, 200, 'application/json');
    if (r.method === 'HEAD') return send(res, 200, 'application/json', '');
    void url;
    return json(res, { ETag: 'etag' }, 200, 'application/json');
  }

  private medialive(r: SeenRequest, url: URL, res: ServerResponse, body: string): void {
    const p = url.pathname.replace(/^\/prod/, '');
    const sent = body ? (JSON.parse(body) as { name?: string; tags?: Record<string, string> }) : {};
    if (r.method === 'POST' && ['/inputs', '/channels', '/inputSecurityGroups'].includes(p)) this.made.set(p, { name: sent.name ?? '', tags: sent.tags ?? {} });
    const listed = (kind: string, summary: Record<string, unknown>) => {
      const made = this.made.get(kind);
      return made ? [{ ...summary, name: made.name, tags: made.tags }] : [];
    };
    const m = r.method;
    const rest = (op: string, body: unknown, status = 200) => {
      r.operation = op;
      json(res, body, status, 'application/json');
    };
    // An SRT listener's destination is srt://<ip>:5050 (MediaLive User Guide, setup-uss-srt-listener).
    const destination = () => (this.inputType === 'SRT_LISTENER' ? { url: 'srt://198.51.100.1:5050', ip: '198.51.100.1', port: '5050' } : { url: 'rtmp://198.51.100.1:1935/s/stream', ip: '198.51.100.1', port: '1935' });
    const input = (state: string) => ({ id: '1111', arn: `arn:aws:medialive:us-east-1:${ACCOUNT}:input:1111`, name: 'input', state, destinations: [destination()] });
    const channel = () => ({ id: '2222', arn: `arn:aws:medialive:us-east-1:${ACCOUNT}:channel:2222`, name: 'channel', state: this.channelState });
    if (m === 'POST' && p === '/inputSecurityGroups') return rest('CreateInputSecurityGroup', { securityGroup: { id: '3333', arn: 'arn:sg', state: 'IDLE' } });
    if (m === 'GET' && p === '/inputSecurityGroups') {
      const inUse = this.made.has('/inputs') && !this.gone.has('input');
      return rest('ListInputSecurityGroups', { inputSecurityGroups: this.gone.has('sg') ? [] : listed('/inputSecurityGroups', { id: '3333', arn: 'arn:sg', state: inUse ? 'IN_USE' : 'IDLE', inputs: inUse ? ['1111'] : [] }) });
    }
    if (m === 'GET' && p === '/inputs') return rest('ListInputs', { inputs: this.gone.has('input') ? [] : listed('/inputs', input('DETACHED')) });
    if (m === 'GET' && p === '/channels') return rest('ListChannels', { channels: this.channelState === 'DELETED' ? [] : listed('/channels', channel()) });
    if (m === 'GET' && p.startsWith('/inputSecurityGroups/')) return rest('DescribeInputSecurityGroup', { id: '3333', state: this.gone.has('input') ? 'IDLE' : 'IN_USE' });
    if (m === 'DELETE' && p.startsWith('/inputSecurityGroups/')) {
      this.gone.add('sg');
      return rest('DeleteInputSecurityGroup', {});
    }
    if (m === 'POST' && p === '/inputs') {
      this.inputType = (JSON.parse(body || '{}') as { type?: string }).type;
      return rest('CreateInput', { input: input('CREATING') });
    }
    if (m === 'GET' && p.startsWith('/inputs/')) return rest('DescribeInput', input(this.gone.has('input') ? 'DELETED' : 'DETACHED'));
    if (m === 'DELETE' && p.startsWith('/inputs/')) {
      this.gone.add('input');
      return rest('DeleteInput', {});
    }
    if (m === 'POST' && p === '/channels') return rest('CreateChannel', { channel: { ...channel(), state: 'CREATING' } });
    if (m === 'GET' && p.startsWith('/channels/')) return rest('DescribeChannel', channel());
    if (m === 'POST' && p.endsWith('/start')) {
      this.channelState = 'RUNNING';
      return rest('StartChannel', channel());
    }
    if (m === 'POST' && p.endsWith('/stop')) {
      this.channelState = 'IDLE';
      return rest('StopChannel', channel());
    }
    if (m === 'DELETE' && p.startsWith('/channels/')) {
      this.channelState = 'DELETED';
      return rest('DeleteChannel', channel());
    }
    throw new Error(`medialive: no route ${m} ${p}`);
  }

  /** EventBridge Scheduler (restJson1): the stop schedule's group and the schedule itself. */
  private scheduler(r: SeenRequest, url: URL, res: ServerResponse, body: string): void {
    const m = r.method;
    const [, kind, rawName] = url.pathname.split('/');
    const name = decodeURIComponent(rawName ?? '');
    const rest = (op: string, out: unknown) => {
      r.operation = op;
      json(res, out, 200, 'application/json');
    };
    const missing = (op: string) => {
      r.operation = op;
      send(res, 404, 'application/json', JSON.stringify({ Message: `${name} does not exist.` }), { 'x-amzn-errortype': 'ResourceNotFoundException' });
    };
    const groupArn = `arn:aws:scheduler:${r.region}:${ACCOUNT}:schedule-group/${name}`;
    if (kind === 'schedule-groups') {
      const made = this.made.get(`schedule-group:${name}`);
      if (m === 'POST') {
        this.made.set(`schedule-group:${name}`, { name, tags: Object.fromEntries(((JSON.parse(body || '{}') as { Tags?: Array<{ Key: string; Value: string }> }).Tags ?? []).map((t) => [t.Key, t.Value])) });
        return rest('CreateScheduleGroup', { ScheduleGroupArn: groupArn });
      }
      if (!made) return missing(m === 'GET' ? 'GetScheduleGroup' : 'DeleteScheduleGroup');
      if (m === 'GET') return rest('GetScheduleGroup', { Arn: groupArn, Name: name, State: 'ACTIVE' });
      if (m === 'DELETE') {
        this.made.delete(`schedule-group:${name}`);
        return rest('DeleteScheduleGroup', {});
      }
    }
    if (kind === 'tags' && m === 'GET') {
      const group = name.split('schedule-group/')[1] ?? '';
      const made = this.made.get(`schedule-group:${group}`);
      if (!made) return missing('ListTagsForResource');
      return rest('ListTagsForResource', { Tags: Object.entries(made.tags).map(([Key, Value]) => ({ Key, Value })) });
    }
    if (kind === 'schedules') {
      const made = this.made.get(`schedule:${name}`);
      if (m === 'POST' || m === 'PUT') {
        this.made.set(`schedule:${name}`, { name, tags: {} });
        return rest(m === 'POST' ? 'CreateSchedule' : 'UpdateSchedule', { ScheduleArn: `arn:aws:scheduler:${r.region}:${ACCOUNT}:schedule/${url.searchParams.get('groupName') ?? 'default'}/${name}` });
      }
      if (!made) return missing(m === 'GET' ? 'GetSchedule' : 'DeleteSchedule');
      if (m === 'GET') return rest('GetSchedule', { Name: name, State: 'ENABLED' });
      if (m === 'DELETE') {
        this.made.delete(`schedule:${name}`);
        return rest('DeleteSchedule', {});
      }
    }
    throw new Error(`scheduler: no route ${m} ${url.pathname}`);
  }

  private cloudfront(r: SeenRequest, url: URL, res: ServerResponse, body: string): void {
    const p = url.pathname.replace(/^\/2020-05-31/, '');
    const m = r.method;
    const sentName = /<Name>([^<]*)<\/Name>/.exec(body)?.[1] ?? '';
    const summaries = (prefix: string, item: (id: string, name: string) => string) =>
      [...this.made.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => item(v.id ?? '', v.name)).join('');
    const ns = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
    const etag = { ETag: `E${++this.seq}` };
    const done = (op: string, body: string, status = 200) => {
      r.operation = op;
      xml(res, body.replace(/^<(\w+)>/, `<$1 xmlns="${ns}">`), etag, status);
    };
    const dist = () => `<Distribution><Id>EDIST1</Id><ARN>arn:aws:cloudfront::${ACCOUNT}:distribution/EDIST1</ARN><Status>Deployed</Status><DomainName>d111.cloudfront.net</DomainName><DistributionConfig><CallerReference>x</CallerReference><Comment>c</Comment><Enabled>${this.distributionEnabled}</Enabled></DistributionConfig></Distribution>`;
    if (m === 'POST' && p === '/origin-access-control') {
      this.made.set('oac', { name: sentName, tags: {}, id: 'OAC1' });
      return done('CreateOriginAccessControl', '<OriginAccessControl><Id>OAC1</Id></OriginAccessControl>', 201);
    }
    if (m === 'GET' && p === '/origin-access-control') {
      const items = summaries('oac', (id, name) => `<OriginAccessControlSummary><Id>${id}</Id><Name>${name}</Name><Description></Description><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior><OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlSummary>`);
      return done('ListOriginAccessControls', `<OriginAccessControlList><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>${items ? 1 : 0}</Quantity><Items>${items}</Items></OriginAccessControlList>`);
    }
    if (m === 'GET' && p === '/cache-policy') {
      const items = summaries('cache-policy:', (id, name) => `<CachePolicySummary><Type>custom</Type><CachePolicy><Id>${id}</Id><LastModifiedTime>2026-11-25T04:00:00Z</LastModifiedTime><CachePolicyConfig><Name>${name}</Name><MinTTL>0</MinTTL></CachePolicyConfig></CachePolicy></CachePolicySummary>`);
      return done('ListCachePolicies', `<CachePolicyList><MaxItems>100</MaxItems><Quantity>${items.split('<CachePolicySummary>').length - 1}</Quantity><Items>${items}</Items></CachePolicyList>`);
    }
    if (m === 'GET' && p === '/distribution') {
      const made = this.made.get('distribution');
      const items = made && !this.gone.has('distribution') ? `<DistributionSummary><Id>EDIST1</Id><ARN>arn:aws:cloudfront::${ACCOUNT}:distribution/EDIST1</ARN><Status>Deployed</Status><DomainName>d111.cloudfront.net</DomainName><Comment>${made.name}</Comment><Enabled>${this.distributionEnabled}</Enabled></DistributionSummary>` : '';
      return done('ListDistributions', `<DistributionList><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>${items ? 1 : 0}</Quantity><Items>${items}</Items></DistributionList>`);
    }
    if (m === 'GET' && p === '/tagging') {
      const tags = Object.entries(this.made.get('distribution')?.tags ?? {}).map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('');
      return done('ListTagsForResource', `<Tags><Items>${tags}</Items></Tags>`);
    }
    if (m === 'GET' && p.startsWith('/origin-access-control/')) return done('GetOriginAccessControl', '<OriginAccessControl><Id>OAC1</Id></OriginAccessControl>');
    if (m === 'DELETE' && p.startsWith('/origin-access-control/')) return done('DeleteOriginAccessControl', '', 204);
    if (m === 'POST' && p === '/cache-policy') {
      this.made.set(`cache-policy:${sentName}`, { name: sentName, tags: {}, id: `CP${this.seq}` });
      return done('CreateCachePolicy', `<CachePolicy><Id>CP${this.seq}</Id></CachePolicy>`, 201);
    }
    if (m === 'GET' && p.startsWith('/cache-policy/')) return done('GetCachePolicy', '<CachePolicy><Id>CP</Id></CachePolicy>');
    if (m === 'DELETE' && p.startsWith('/cache-policy/')) return done('DeleteCachePolicy', '', 204);
    // CloudFront Functions: /function, /function/{Name}/publish, /function/{Name}/describe, /function/{Name}.
    const fn = (name: string) => `<FunctionSummary><Name>${name}</Name><Status>UNASSOCIATED</Status><FunctionConfig><Comment>c</Comment><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig><FunctionMetadata><FunctionARN>arn:aws:cloudfront::${ACCOUNT}:function/${name}</FunctionARN><Stage>LIVE</Stage><LastModifiedTime>2026-11-25T04:00:00Z</LastModifiedTime></FunctionMetadata></FunctionSummary>`;
    const fnName = decodeURIComponent(p.split('/')[2] ?? '');
    if (m === 'POST' && p === '/function') return done('CreateFunction', fn('player'), 201);
    if (m === 'POST' && p.startsWith('/function/') && p.endsWith('/publish')) return done('PublishFunction', fn(fnName));
    if (m === 'GET' && p.startsWith('/function/') && p.endsWith('/describe')) {
      if (this.gone.has(`function:${fnName}`)) return done('DescribeFunction', '<Error><Code>NoSuchFunctionExists</Code><Message>gone</Message></Error>', 404);
      return done('DescribeFunction', fn(fnName));
    }
    if (m === 'PUT' && p.startsWith('/function/')) return done('UpdateFunction', fn(fnName));
    if (m === 'DELETE' && p.startsWith('/function/')) {
      this.gone.add(`function:${fnName}`);
      return done('DeleteFunction', '', 204);
    }
    if (m === 'POST' && p === '/distribution') {
      const comment = /<Comment>([^<]*)<\/Comment>/.exec(body)?.[1] ?? '';
      const tags = Object.fromEntries([...body.matchAll(/<Tag><Key>([^<]*)<\/Key><Value>([^<]*)<\/Value><\/Tag>/g)].map((t) => [t[1], t[2]]));
      this.made.set('distribution', { name: comment, tags });
      return done('CreateDistributionWithTags', dist(), 201);
    }
    if (m === 'GET' && p.endsWith('/config')) {
      r.operation = 'GetDistributionConfig';
      return xml(res, `<DistributionConfig xmlns="${ns}"><CallerReference>x</CallerReference><Comment>c</Comment><Enabled>${this.distributionEnabled}</Enabled></DistributionConfig>`, etag);
    }
    if (m === 'PUT' && p.endsWith('/config')) {
      this.distributionEnabled = false;
      return done('UpdateDistribution', dist());
    }
    if (m === 'GET' && p.startsWith('/distribution/')) return done('GetDistribution', dist());
    if (m === 'DELETE' && p.startsWith('/distribution/')) {
      this.gone.add('distribution');
      return done('DeleteDistribution', '', 204);
    }
    throw new Error(`cloudfront: no route ${m} ${p}`);
  }

  private s3(r: SeenRequest, url: URL, res: ServerResponse): void {
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const isBucket = rest.join('/') === '';
    const SUBS = ['versions', 'list-type', 'delete', 'policy', 'cors', 'lifecycle', 'metrics', 'tagging', 'encryption', 'ownershipControls', 'publicAccessBlock'];
    const sub = SUBS.find((k) => url.searchParams.has(k)) ?? '';
    const m = r.method;
    r.operation = `${m} ${isBucket ? 'bucket' : 'object'}${sub ? `?${sub}` : ''}`;
    const ns = 'http://s3.amazonaws.com/doc/2006-03-01/';
    if (m === 'HEAD' && isBucket) return send(res, this.buckets.has(bucket) ? 200 : 404, 'text/xml', '');
    if (m === 'GET' && sub === 'tagging') {
      return xml(res, `<Error><Code>NoSuchTagSet</Code><Message>The TagSet does not exist</Message><BucketName>${bucket}</BucketName></Error>`, {}, 404);
    }
    if (m === 'GET' && sub === 'versions') return xml(res, `<ListVersionsResult xmlns="${ns}"><Name>${bucket}</Name><IsTruncated>false</IsTruncated></ListVersionsResult>`);
    if (m === 'GET' && sub === 'list-type') return xml(res, `<ListBucketResult xmlns="${ns}"><Name>${bucket}</Name><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>`);
    if (m === 'POST' && sub === 'delete') return xml(res, `<DeleteResult xmlns="${ns}"></DeleteResult>`);
    if (m === 'DELETE' && isBucket && !sub) {
      this.buckets.delete(bucket);
      return send(res, 204, 'text/xml', '');
    }
    if (m === 'PUT' && isBucket && !sub) this.buckets.add(bucket);
    if (m === 'PUT') return send(res, 200, 'text/xml', '', { ETag: '"etag"' });
    if (m === 'DELETE') return send(res, 204, 'text/xml', '');
    throw new Error(`s3: no route ${m} ${url.pathname}${url.search}`);
  }
}

/** IAM's query-protocol tags: Tags.member.N.Key / Tags.member.N.Value. */
function queryTags(params: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let n = 1; params.has(`Tags.member.${n}.Key`); n++) tags[params.get(`Tags.member.${n}.Key`)!] = params.get(`Tags.member.${n}.Value`) ?? '';
  return tags;
}
