import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProcessSample {
  cpuPercent: number;
  heapUsedMb: number;
  rssMb: number;
  eventLoopDelayMs: number;
  uptimeSeconds: number;
}

const MB = 1024 * 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** Reads this process's vitals; CPU and event-loop delay are averaged over the time since the last sample. */
@Injectable()
export class MetricsSampler implements OnModuleDestroy {
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  constructor() {
    this.loopDelay.enable();
  }

  sample(): ProcessSample {
    const now = process.hrtime.bigint();
    const cpuNow = process.cpuUsage();
    const cpuMicros = cpuNow.user - this.lastCpu.user + (cpuNow.system - this.lastCpu.system);
    const elapsedMicros = Number(now - this.lastAt) / 1000;
    this.lastCpu = cpuNow;
    this.lastAt = now;
    const memory = process.memoryUsage();
    // The histogram is empty until the loop has ticked a few times at its resolution.
    const delayNs = Number.isNaN(this.loopDelay.mean) ? 0 : this.loopDelay.mean;
    this.loopDelay.reset();
    return {
      cpuPercent: elapsedMicros > 0 ? round1((cpuMicros / elapsedMicros) * 100) : 0,
      heapUsedMb: round1(memory.heapUsed / MB),
      rssMb: round1(memory.rss / MB),
      eventLoopDelayMs: round1(delayNs / 1e6),
      uptimeSeconds: Math.floor(process.uptime()),
    };
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }
}
