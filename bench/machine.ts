import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** Where the figures came from: the machine and how busy it was when the run started. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    freeMemoryGb: Math.round(freemem() / 2 ** 30),
    loadAverage1m: loadavg()[0],
    node: process.version,
  };
}
