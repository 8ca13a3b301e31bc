import { serviceDownRule } from './availability/service-down.rule';
import { bruteForceRule } from './identity/brute-force.rule';
import type { Rule } from './rule';

/** Every rule Vigil ships, at its default parameters. `applyOverrides` configures them. */
export const catalog: readonly Rule[] = [bruteForceRule, serviceDownRule];
