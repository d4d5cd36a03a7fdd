import { runBench } from '../../bench/bench';

/**
 * The benchmark harness end to end on its smallest matrix: plain ws and this module, 10 clients, 50
 * messages each, every process real (servers and the load client forked over IPC). No timing assertion:
 * the machine is shared; what must hold is that every message reached every client and nothing is left running.
 */
describe('bench harness (smoke)', () => {
  it('delivers every message to every client on plain ws and on this module', async () => {
    const report = await runBench({ mode: 'smoke', only: null, cpuProf: null, clientProcesses: 1, log: () => undefined });

    expect(report.fanout.map((r) => [r.row.server, r.status])).toEqual([
      ['ws', 'ok'],
      ['streams-memory', 'ok'],
    ]);
    for (const { row, measure } of report.fanout) {
      expect(measure).toBeDefined();
      expect(measure?.expected).toBe(row.clients * row.messages);
      expect(measure?.delivered).toBe(measure?.expected);
      expect(measure?.latencyMs.max).toBeGreaterThanOrEqual(0);
    }
  }, 20_000);
});
