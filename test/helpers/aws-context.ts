/**
 * An AwsContext for resource-module tests: real SDK clients (aws-sdk-client-mock replaces their
 * send), the stack's names, and waits that take milliseconds.
 */
import { vi } from 'vitest';
import type { CreateContext } from '../../src/core/graph.js';
import { RecordingHost } from '../../src/core/host.js';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec, type RawSpec, type Secrets } from '../../src/core/spec.js';
import type { ResourceRecord } from '../../src/core/state.js';
import { resourceNames } from '../../src/targets/aws/requests/names.js';
import { createClients } from '../../src/targets/aws/clients.js';
import type { AwsContext } from '../../src/targets/aws/context.js';
import { FAST_TIMINGS, TEST_ASSETS } from './aws-run.js';

export const ACCOUNT = '123456789012';

export async function makeContext(raw: RawSpec = { input: 'URL_PULL', sourceUrl: 'https://example.com/a.m3u8' }, secrets: Secrets = {}): Promise<AwsContext> {
  const { spec, problems } = validateSpec({ target: 'aws', stack: 'demo', ...raw });
  if (spec?.target !== 'aws') throw new Error(JSON.stringify(problems));
  return {
    clients: createClients({ region: spec.aws.region }),
    names: resourceNames(spec.stack, spec.aws.region, ACCOUNT),
    spec,
    ladder: await loadProfile(spec.profile),
    secrets,
    host: new RecordingHost(),
    timings: FAST_TIMINGS,
    now: () => new Date('2026-11-25T04:00:00Z'),
    playerAssets: async () => TEST_ASSETS,
  };
}

export function record(id: string, physicalId: string, attrs: ResourceRecord['attrs'] = {}, name = physicalId): ResourceRecord {
  return { id, kind: 'test', name, physicalId, status: 'ready', attrs, createdAt: '2026-11-25T04:00:00Z' };
}

export function createRun(deps: Record<string, ResourceRecord> = {}, existing?: ResourceRecord): CreateContext & { save: ReturnType<typeof vi.fn> } {
  return { deps, existing, save: vi.fn(async () => {}) };
}

export function notFound(name: string): Error {
  return Object.assign(new Error(`${name}: not found`), { name, $metadata: { httpStatusCode: 404 } });
}
