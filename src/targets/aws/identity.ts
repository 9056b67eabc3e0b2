/**
 * Who the commands run as: STS GetCallerIdentity, called once before anything else in every AWS
 * command, so missing or expired credentials give one failure that says how to fix them instead
 * of the same failure from every resource.
 */
import os from 'node:os';
import path from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { LivestreamError } from '../../core/errors.js';
import { OPT_IN_REGIONS } from '../../core/regions.js';
import { toLivestreamError } from './requests/errors.js';
import type { AwsClients } from './clients.js';

/** The account id of the credentials the clients use; a clear LivestreamError when there are none. */
export async function verifyIdentity(clients: AwsClients, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const who = await clients.sts.send(new GetCallerIdentityCommand({}));
    if (!who.Account) throw new Error('STS returned no account id');
    return who.Account;
  } catch (err) {
    const mapped = toLivestreamError(err, { action: 'sts:GetCallerIdentity', resource: 'your AWS identity' });
    if (mapped.code !== 'AWS_NO_CREDENTIALS') throw mapped;
    if (REJECTED_TOKEN.test((err as Error).name ?? '') && OPT_IN_REGIONS.has(clients.region)) throw regionNotEnabled(clients.region, mapped, err);
    // The SDK says only "Could not load credentials from any providers", even when the profile
    // asked for does not exist: look it up to say so.
    const named = profile ?? env.AWS_PROFILE;
    if (named && !(await profileExists(named, env))) throw missingProfile(named, env, err);
    if (!named) throw mapped;
    throw new LivestreamError(mapped.code, `${mapped.message.replace(/\.$/, '')} (profile "${named}").`, { hint: mapped.hint?.replace('"aws sso login"', `"aws sso login --profile ${named}"`), cause: err });
  }
}

/** The shared config and credentials files, where the SDK looks for them. */
function sharedFiles(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  return {
    config: env.AWS_CONFIG_FILE || path.join(os.homedir(), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(os.homedir(), '.aws', 'credentials'),
  };
}

async function profileExists(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const { config, credentials } = sharedFiles(env);
  try {
    const files = await loadSharedConfigFiles({ configFilepath: config, filepath: credentials, ignoreCache: true });
    return name in files.configFile || name in files.credentialsFile;
  } catch {
    // Unreadable files: let the SDK's own message stand.
    return true;
  }
}

function missingProfile(name: string, env: NodeJS.ProcessEnv, cause: unknown): LivestreamError {
  const { config, credentials } = sharedFiles(env);
  return new LivestreamError('AWS_NO_CREDENTIALS', `The AWS profile "${name}" does not exist: it is in neither ${config} nor ${credentials}.`, {
    hint: `Create it with "aws configure --profile ${name}" (or "aws configure sso --profile ${name}"), or name an existing profile with --aws-profile / AWS_PROFILE ("aws configure list-profiles" lists them).`,
    details: { profile: name },
    cause,
  });
}

/** What AWS answers credentials it does not take, and what an opt-in region answers an account that has not enabled it. */
const REJECTED_TOKEN = /^(InvalidClientTokenId|UnrecognizedClientException)$/;

function regionNotEnabled(region: string, mapped: LivestreamError, cause: unknown): LivestreamError {
  return new LivestreamError(mapped.code, `AWS refused your credentials in ${region}. ${region} is an opt-in region, and AWS answers this way when it is not enabled for the account.`, {
    hint: `Enable ${region} for the account (AWS console: account menu > Account > AWS Regions, or "aws account enable-region --region-name ${region}"), wait until it shows Enabled, and run the command again; if it is enabled, check the credentials: ${mapped.hint}`,
    details: { region },
    cause,
  });
}
