import { alertsDownRule } from './availability/alerts-down.rule';
import { backupFailedRule } from './availability/backup-failed.rule';
import { backupMissedRule } from './availability/backup-missed.rule';
import { commitmentBreachRule } from './availability/commitment-breach.rule';
import { restoreTestOverdueRule } from './availability/restore-test-overdue.rule';
import { serviceDownRule } from './availability/service-down.rule';
import { sloBurnRule } from './availability/slo-burn.rule';
import { adminGrantedRule } from './identity/admin-granted.rule';
import { bruteForceRule } from './identity/brute-force.rule';
import { deprovisionedAccessRule } from './identity/deprovisioned-access.rule';
import { mfaRemovedRule } from './identity/mfa-removed.rule';
import { newCountrySigninRule } from './identity/new-country-signin.rule';
import { passwordSprayDistributedRule } from './identity/password-spray-distributed.rule';
import { passwordSprayRule } from './identity/password-spray.rule';
import { roleAboveLevelRule } from './identity/role-above-level.rule';
import { rootOrNoMfaLoginRule } from './identity/root-or-no-mfa-login.rule';
import { tokenOutsideWindowRule } from './identity/token-outside-window.rule';
import { tokenUnknownIpRule } from './identity/token-unknown-ip.rule';
import { auditDisabledRule } from './logging/audit-disabled.rule';
import { sourceSilentRule } from './logging/source-silent.rule';
import type { Rule } from './rule';

/** Every rule Vigil ships, at its default parameters. `applyOverrides` configures them. */
export const catalog: readonly Rule[] = [
  bruteForceRule,
  passwordSprayRule,
  passwordSprayDistributedRule,
  mfaRemovedRule,
  adminGrantedRule,
  deprovisionedAccessRule,
  rootOrNoMfaLoginRule,
  newCountrySigninRule,
  roleAboveLevelRule,
  tokenUnknownIpRule,
  tokenOutsideWindowRule,
  serviceDownRule,
  alertsDownRule,
  sloBurnRule,
  commitmentBreachRule,
  backupFailedRule,
  backupMissedRule,
  restoreTestOverdueRule,
  auditDisabledRule,
  sourceSilentRule,
] as readonly Rule[];
