import { genericNormalizer } from './generic-normalizer';
import type { Normalizer } from './normalizer';
import { oktaNormalizer } from './okta-normalizer';
import type { SourceFormat } from './source-config';

/** One normaliser per format; adding a source format means adding an entry here. */
export const NORMALIZERS: Readonly<Record<SourceFormat, Normalizer>> = {
  generic: genericNormalizer,
  'okta-event-hook': oktaNormalizer,
};
