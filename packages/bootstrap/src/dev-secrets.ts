/**
 * The secrets of `config/dev.env`, public in the repository (a test keeps this list equal to that file).
 * A production process (`NODE_ENV=production`, as the image sets) refuses to start while any variable holds one.
 */
export const PUBLIC_DEV_SECRETS: readonly string[] = [
  'dev-okta-hook-secret-change-me',
  'dev-probes-token-change-me',
  'dev-scripts-hmac-secret-change-me',
  '7caa001d84f622505b1f3154b9cf80d402ed37e48488a0a69b092ae831f399ba', // sha256("dev-api-token"), in API_TOKENS
  'dev-aws-events-token-change-me',
  'dev-github-webhook-secret-change-me',
  'dev-google-workspace-hmac-change-me',
  'dev-alertmanager-token-change-me',
  'dev-backups-token-change-me',
  'dev-cloudflare-logpush-token-change-me',
  'dev-cloudflare-webhook-secret-change-me',
];

/** Names of the variables that hold a public development secret. */
export function devSecretsInUse(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([, value]) => value !== undefined && PUBLIC_DEV_SECRETS.some((secret) => value.includes(secret)))
    .map(([name]) => name)
    .sort();
}
