/**
 * Each service's own entry module, loaded on demand: importing it runs the service (its `runService`
 * installs the signal handlers), so `vigil start api` and `node dist/api.js` run the very same code.
 */
export const SERVICES = {
  standalone: () => import('../../standalone/src/main'),
  ingest: () => import('../../ingest/src/main'),
  detector: () => import('../../detector/src/main'),
  alerter: () => import('../../alerter/src/main'),
  api: () => import('../../api/src/main'),
} satisfies Record<string, () => Promise<unknown>>;

export type ServiceName = keyof typeof SERVICES;
