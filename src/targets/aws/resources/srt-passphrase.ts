/**
 * Secrets Manager secret holding an SRT input's AES passphrase, which MediaLive reads through the
 * channel's role when the channel runs. The value is the one given on stdin (ctx.secrets) or one
 * made here; it goes to Secrets Manager only: the record keeps the secret's ARN, never the value,
 * and no error or message carries it.
 */
import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, type DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import { srtPassphraseFrom } from '../../../core/spec.js';
import { isNotFound } from '../requests/errors.js';
import { TAG_KEY, type ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, ignoreNotFound, pollUntil, readObserved } from './shared.js';

export function srtPassphraseNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'srt-passphrase',
    kind: 'secretsmanager-secret',
    dependsOn: [],
    describe: 'Secrets Manager secret for the SRT passphrase',
    name: names.srtSecretName,
    async create(ctx, run) {
      const name = ctx.names.srtSecretName;
      const token = await idempotencyToken(ctx, 'srt-passphrase', run, name);
      const value = passphraseFor(ctx);
      let arn: string | undefined;
      // A name force-deleted moments ago (a `down` then `up`) stays "scheduled for deletion" until
      // Secrets Manager finishes, which it does asynchronously: back off and retry, bounded.
      await pollUntil(ctx, `Secrets Manager to finish deleting the earlier secret ${name}`, async () => {
        try {
          arn = await createSecret(ctx, name, value, token);
          return true;
        } catch (err) {
          if (isScheduledForDeletion(err)) return false;
          throw err;
        }
      }).catch((err) => {
        if (err instanceof LivestreamError && err.code === 'TIMEOUT') throw stillScheduled(ctx, name);
        throw err;
      });
      return { name, physicalId: arn!, attrs: { requestId: token } };
    },
    async read(ctx, rec) {
      return readObserved(async () => {
        const s = await describe(ctx, rec.physicalId || rec.name);
        // A secret scheduled for deletion is gone for us: nothing reads it, nothing bills for it.
        return s.DeletedDate ? { exists: false, status: 'SCHEDULED_FOR_DELETION' } : { exists: true };
      });
    },
    async delete(ctx, rec) {
      // Without the recovery window (7-30 days otherwise): the name is free again for the next `up`,
      // and no copy of the passphrase lingers. A forced delete of a missing secret is no error.
      await ignoreNotFound(() => ctx.clients.secretsManager.send(new DeleteSecretCommand({ SecretId: rec.physicalId || rec.name, ForceDeleteWithoutRecovery: true })));
    },
  };
}

/** The passphrase: the one given on stdin, else a new one. Never logged or recorded. */
function passphraseFor(ctx: AwsContext): string {
  if (ctx.spec.srt?.passphrase !== 'given') return srtPassphraseFrom(randomBytes(32));
  const given = ctx.secrets.srtPassphrase;
  if (!given) {
    throw new LivestreamError('SPEC_INVALID', 'The SRT passphrase is needed to create its secret, but none was given.', {
      hint: 'Pipe it to --srt-passphrase-stdin.',
    });
  }
  return given;
}

/** CreateSecret, or the stack's own secret of that name (a resumed create whose answer was lost). */
async function createSecret(ctx: AwsContext, name: string, value: string, token: string): Promise<string> {
  try {
    const out = await ctx.clients.secretsManager.send(
      new CreateSecretCommand({
        Name: name,
        // Plain text, not key/value JSON: what MediaLive reads (UG input-listener-srt-prereqs).
        SecretString: value,
        ClientRequestToken: token,
        Description: `SRT passphrase of livestream stack ${ctx.names.stack}`,
        Tags: ctx.names.tagList,
      }),
    );
    return out.ARN!;
  } catch (err) {
    if ((err as Error).name !== 'ResourceExistsException') throw err;
    const found = await describe(ctx, name);
    if (!found.ARN || found.DeletedDate || !isOurs(ctx, found)) {
      throw new LivestreamError('STACK_SPEC_CHANGED', `A Secrets Manager secret named ${name} already exists in ${ctx.names.region} and is not this stack's (it lacks the livestream:stack tag). Nothing was changed in it.`, {
        hint: 'Choose another --stack name, or delete that secret if it is a leftover.',
      });
    }
    // Ours, kept with the value it was made with: the encoder may already use it.
    return found.ARN;
  }
}

function isOurs(ctx: AwsContext, s: DescribeSecretResponse): boolean {
  return (s.Tags ?? []).some((t) => t.Key === TAG_KEY && t.Value === ctx.names.stack);
}

/** The stack's secret, found by its name and tag (no state file); one scheduled for deletion is not. */
export async function findOurSecret(ctx: AwsContext): Promise<{ name: string; arn: string } | undefined> {
  let s: DescribeSecretResponse;
  try {
    s = await describe(ctx, ctx.names.srtSecretName);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return s.ARN && !s.DeletedDate && isOurs(ctx, s) ? { name: ctx.names.srtSecretName, arn: s.ARN } : undefined;
}

function describe(ctx: AwsContext, id: string): Promise<DescribeSecretResponse> {
  return ctx.clients.secretsManager.send(new DescribeSecretCommand({ SecretId: id }));
}

/** "You can't create this secret because a secret with this name is already scheduled for deletion." */
export function isScheduledForDeletion(err: unknown): boolean {
  return (err as Error)?.name === 'InvalidRequestException' && /scheduled for deletion/i.test((err as Error).message ?? '');
}

function stillScheduled(ctx: AwsContext, name: string): LivestreamError {
  const r = ctx.names.region;
  return new LivestreamError('TIMEOUT', `The Secrets Manager secret ${name} is still scheduled for deletion, so a new one of that name cannot be made yet.`, {
    hint: `If it was deleted with a recovery window, finish the deletion: "aws secretsmanager delete-secret --region ${r} --secret-id ${name} --force-delete-without-recovery", wait a minute, then run "livestream up" again.`,
  });
}
