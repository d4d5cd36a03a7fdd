import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import type { MachineFacts } from '../model';
import { openFilesLimit } from '../orchestrate/file-limit';

export function machineFacts(): MachineFacts {
  const limit = openFilesLimit();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${platform()} ${release()}`,
    openFilesLimit: limit === Infinity ? null : limit,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
