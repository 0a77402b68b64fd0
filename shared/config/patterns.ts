/**
 * Strict patterns for every configuration value that can reach an instance or an AWS API.
 *
 * They are exported as data so that the SSM documents (`allowedPattern`) and the tests use the very
 * same expressions as the config schema: a value that passes here also passes on the instance.
 *
 * @example
 * ```ts
 * import { PATTERNS } from './patterns';
 * PATTERNS.modelUri.test('s3://my-models-bucket/llama-3-8b/'); // true
 * PATTERNS.modelUri.test('s3://bucket/x;rm -rf /');            // false
 * ```
 */
export const PATTERNS = {
  /** Profile names: lowercase DNS-label-like, so they are safe as tag values, metric dimensions and ids. */
  profileName: /^[a-z0-9][a-z0-9-]{0,62}$/,
  /** SSM document name or ARN (`AWS-RunShellScript`, `arn:aws:ssm:…:document/Name`). */
  ssmDocumentName: /^[a-zA-Z0-9_\-.:/]{3,128}$/,
  /**
   * `s3://bucket/key`: bucket per S3 naming rules, key restricted to S3's "safe characters" minus the
   * single quote. No spaces, quotes, `$`, backticks, `;`, `|`, `&`, `<`, `>`, `\` or newlines.
   */
  modelUri: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*()/-]{1,1024}$/,
  /**
   * Local HTTP(S) probe URL: host, optional port, optional path; no query string, userinfo, fragment,
   * percent-escapes or shell metacharacters. Enough for readiness and drain endpoints.
   */
  httpUrl: /^https?:\/\/[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(\/[A-Za-z0-9._~/-]{0,1024})?$/,
  /** Absolute POSIX path with a conservative character set (`..` is rejected separately). */
  absolutePath: /^\/[A-Za-z0-9._/-]{1,255}$/,
  /** AWS tag key characters (letters, digits, spaces and `_ . : / = + - @`), 1..128. */
  tagKey: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u,
  /** AWS tag value characters, 1..256 (an empty value is not a useful version marker). */
  tagValue: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u,
  /** CloudWatch namespace: ASCII alphanumerics and `. - _ / # :` and space, not starting with `:`. */
  cloudWatchNamespace: /^[0-9A-Za-z.\-_/# ][0-9A-Za-z.\-_/#: ]{0,254}$/,
  /** CloudWatch metric name: printable ASCII, 1..255, not starting with `:`. */
  cloudWatchMetricName: /^[\x20-\x39\x3B-\x7E][\x20-\x7E]{0,254}$/,
} as const;

/**
 * True when a `/`-separated path contains a `..` segment (path traversal once mapped to disk).
 *
 * @example
 * ```ts
 * hasDotDotSegment('/opt/../etc'); // true
 * hasDotDotSegment('/opt/models..v2'); // false
 * ```
 */
export const hasDotDotSegment = (path: string): boolean => path.split('/').some((segment) => segment === '..');

/**
 * System directories a model cache must not be in or be (the warm-up writes and may clear the cache
 * directory as root): the FHS system trees. `/opt/<x>`, `/srv/<x>`, `/mnt/<x>`, `/data/<x>`,
 * `/var/lib/<x>`, `/var/cache/<x>` and `/home/<user>/<x>` stay allowed; `/` and the trees themselves do not.
 */
export const SYSTEM_DIRECTORIES: readonly string[] = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/run',
  '/var/log',
  '/var/spool',
  '/tmp',
];
/** Directories that may hold a cache directory but may not be one (the cache must be below them). */
const SHARED_PARENTS: readonly string[] = ['/', '/opt', '/srv', '/mnt', '/data', '/var', '/var/lib', '/var/cache', '/home', '/media'];

/**
 * True when `path` (absolute, no `..` segment) is a system directory or inside one, or is a shared
 * parent such as `/opt` itself.
 *
 * @example
 * ```ts
 * isSystemPath('/etc'); // true
 * isSystemPath('/usr/local/models'); // true
 * isSystemPath('/opt/models'); // false
 * ```
 */
export const isSystemPath = (path: string): boolean => {
  const clean = `/${path
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/')}`;
  if (SHARED_PARENTS.includes(clean)) return true;
  return SYSTEM_DIRECTORIES.some((dir) => clean === dir || clean.startsWith(`${dir}/`));
};
