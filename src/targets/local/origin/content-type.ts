/** Content types by extension, as MediaLive sets them when it writes HLS to MediaStore or S3. */
const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  m4v: 'video/mp4',
  aac: 'audio/aac',
  vtt: 'text/vtt',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  jpg: 'image/jpeg',
  png: 'image/png',
};

export function contentTypeFor(objectPath: string): string {
  const dot = objectPath.lastIndexOf('.');
  if (dot === -1 || dot < objectPath.lastIndexOf('/')) return 'application/octet-stream';
  return TYPES[objectPath.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
