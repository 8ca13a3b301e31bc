import { parseArgs } from 'node:util';
import { ConfigError, errorMessage, parseEnv, systemClock, type Clock } from '@vigil/runtime';
import { z } from 'zod';
import { auditPeriod } from '../audit/audit-period';
import { connectRegister } from '../audit/register-connection';
import { buildCuecReport, cuecReportCsv, cuecReportText } from './cuec-report';
import { loadVendorsConfig } from './vendors-file';

export const CUEC_REPORT_USAGE = `usage: cuec-report --from <ISO time or date> --to <ISO time or date> [--format text|json|csv]
  For each vendor and CUEC of VENDORS_FILE: whether it operated all of [from, to), its evidence, its
  exceptions (incidents of the audit population of the same period) and the periods it was not evidenced.
  DATABASE_URL names the register. Exit 0: every CUEC operated; 1: some did not; 2: could not report.`;

const CuecReportConfig = z.object({
  DATABASE_URL: z.string({ error: 'required: the connection string of the incident register' }).min(1),
  VENDORS_FILE: z.string({ error: 'required: the vendors file (config/vendors.example.yaml)' }).min(1),
});

export interface CuecReportCommandOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  clock?: Clock;
}

/** `vigil cuec-report`: prints the CUEC report of a period. Returns the exit code; never throws. */
export async function cuecReportCommand(options: CuecReportCommandOptions): Promise<number> {
  let period: { from: string; to: string };
  let format: 'text' | 'json' | 'csv';
  let config: z.infer<typeof CuecReportConfig>;
  try {
    const { values } = parseArgs({ args: options.argv, options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' } }, strict: true, allowPositionals: false });
    if (!values.from || !values.to) throw new Error('missing --from or --to');
    period = auditPeriod({ from: values.from, to: values.to });
    const chosen = values.format ?? 'text';
    if (chosen !== 'text' && chosen !== 'json' && chosen !== 'csv') throw new Error('--format must be text, json or csv');
    format = chosen;
    config = parseEnv(CuecReportConfig, options.env);
  } catch (error) {
    options.err(error instanceof ConfigError ? error.problems.join('\n') : errorMessage(error));
    if (!(error instanceof ConfigError)) options.err(CUEC_REPORT_USAGE);
    return 2;
  }
  const pool = connectRegister(config.DATABASE_URL);
  try {
    const vendors = loadVendorsConfig(config.VENDORS_FILE);
    const report = await buildCuecReport(pool, vendors, period, new Date((options.clock ?? systemClock).now()));
    const text = format === 'json' ? JSON.stringify(report, null, 2) : format === 'csv' ? cuecReportCsv(report) : cuecReportText(report);
    options.out(text.trimEnd());
    return report.cuecs.every((c) => c.operated) ? 0 : 1;
  } catch (error) {
    options.err(`could not build the CUEC report: ${error instanceof ConfigError ? error.problems.join('; ') : errorMessage(error)}`);
    return 2;
  } finally {
    await pool.end();
  }
}
