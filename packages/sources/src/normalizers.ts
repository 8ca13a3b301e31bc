import { alertmanagerNormalizer } from './alertmanager-normalizer';
import { backupNormalizer } from './backup-normalizer';
import { cloudflareNormalizer } from './cloudflare/cloudflare-normalizer';
import { cloudflareNotificationNormalizer } from './cloudflare/cloudflare-notification-normalizer';
import { cloudtrailNormalizer } from './cloudtrail-normalizer';
import { genericNormalizer } from './generic-normalizer';
import { githubNormalizer } from './github-normalizer';
import { googleWorkspaceNormalizer } from './google-workspace-normalizer';
import type { Normalizer } from './normalizer';
import { oktaNormalizer } from './okta-normalizer';
import type { SourceFormat } from './source-config';

/** One normaliser per format; adding a source format means adding an entry here. */
export const NORMALIZERS: Readonly<Record<SourceFormat, Normalizer>> = {
  generic: genericNormalizer,
  'okta-event-hook': oktaNormalizer,
  alertmanager: alertmanagerNormalizer,
  backup: backupNormalizer,
  cloudtrail: cloudtrailNormalizer,
  github: githubNormalizer,
  'google-workspace': googleWorkspaceNormalizer,
  cloudflare: cloudflareNormalizer,
  'cloudflare-notifications': cloudflareNotificationNormalizer,
};
