import type { Measurement, Ratio } from '../suites/context';

const num = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? '' : n >= 100 ? Math.round(n).toLocaleString('en') : String(Number(n.toFixed(digits))));

/** The measurements as Markdown tables, one per group, and the targets with their verdicts. */
export function markdownTables(measurements: Measurement[], ratios: Ratio[]): string {
  const groups = [...new Set(measurements.map((m) => m.group))];
  const parts = groups.map((group) => {
    const rows = measurements.filter((m) => m.group === group);
    const lines = [
      `### ${group}`,
      '',
      '| what | rate | p50 ms | p99 ms | server CPU ms per item | load generator CPU ms per item | bytes per message | note |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows.map((m) => `| ${m.name} | ${num(m.rate)} ${m.unit} | ${num(m.p50ms)} | ${num(m.p99ms)} | ${num(m.serverCpuMs, 4)} | ${num(m.loadCpuMs, 4)} | ${num(m.bytesPerMessage, 1)} | ${m.note ?? ''} |`),
    ];
    return lines.join('\n');
  });
  const verdicts = [
    '| target | ours | baseline | result | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...ratios.map((r) => `| ${r.name} | ${r.ours} | ${r.baseline} | ${r.op === '<' ? `${num(r.value, 3)} s` : `${num(r.value, 2)}x`} (target ${r.op} ${r.target}${r.op === '<' ? ' s' : 'x'}) | ${met(r) ? 'met' : '**not met**'} |`),
  ];
  return `${verdicts.join('\n')}\n\n${parts.join('\n\n')}\n`;
}

export const met = (r: Ratio) => (r.op === '>=' ? r.value >= r.target : r.value < r.target);
