/**
 * Rewrites absolute URLs in an HLS playlist that point at the source's own origin so they go through
 * the loopback proxy (which adds the credentials). Relative URLs need nothing: the proxy mirrors
 * the source's paths. URLs to other origins are left alone (and so never get the credentials). Pure.
 */
export function rewriteManifest(body: string, sourceOrigin: string, proxyOrigin: string): string {
  const rewrite = (url: string): string => rewriteUrl(url, sourceOrigin, proxyOrigin);
  return body
    .split(/(\r?\n)/)
    .map((line) => {
      if (line.startsWith('#')) return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${rewrite(uri)}"`);
      const trimmed = line.trim();
      return trimmed === '' ? line : line.replace(trimmed, rewrite(trimmed));
    })
    .join('');
}

/** `url` re-pointed at the proxy when it is absolute (or scheme-relative) and same-origin. */
export function rewriteUrl(url: string, sourceOrigin: string, proxyOrigin: string): string {
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//');
  if (!isAbsolute) return url;
  let parsed: URL;
  try {
    parsed = new URL(url, sourceOrigin);
  } catch {
    return url;
  }
  if (parsed.origin !== new URL(sourceOrigin).origin) return url;
  return `${proxyOrigin}${parsed.pathname}${parsed.search}`;
}
