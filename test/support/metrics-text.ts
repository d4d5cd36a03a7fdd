/** The value of one sample (`name{labels}`) in Prometheus text output, or undefined when it is absent. */
export function metricValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}
