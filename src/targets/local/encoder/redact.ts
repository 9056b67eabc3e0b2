/**
 * Secrets never reach logs: known secret values, bearer tokens and URL credentials are masked.
 * Pure: text and the secrets in, text out.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out
    .replace(/(Bearer\s+)[^\s\\"']+/gi, '$1***')
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]*@/gi, '$1***:***@')
    .replace(/([?&](?:token|key|password|pass|secret|sig|signature)=)[^&\s]+/gi, '$1***');
}

/** Arguments as one loggable line, each redacted, quoted when they contain spaces. */
export function redactArgs(args: readonly string[], secrets: readonly string[] = []): string {
  return args
    .map((a) => redactText(a, secrets))
    .map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a))
    .join(' ');
}
