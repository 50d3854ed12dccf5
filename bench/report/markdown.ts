import type { Measurement, Ratio } from '../suites/context';

const num = (n: number | undefined, digits = 2) =>
  n === undefined || Number.isNaN(n) ? '' : n >= 100 ? Math.round(n).toLocaleString('en') : String(Number(n.toFixed(digits)));

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
      ...rows.map(
        (m) =>
          `| ${m.name} | ${num(m.rate)} ${m.unit} | ${num(m.p50ms)} | ${num(m.p99ms)} | ${num(m.serverCpuMs, 4)} | ${num(m.loadCpuMs, 4)} | ${num(m.bytesPerMessage, 1)} | ${m.note ?? ''} |`,
      ),
    ];
    return lines.join('\n');
  });
  const verdicts = [
    '| target | ours | baseline | result | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...ratios.map((r) => `| ${r.name} | ${r.ours} | ${r.baseline} | ${resultText(r)} | ${met(r) ? 'met' : '**not met**'} |`),
  ];
  return `${verdicts.join('\n')}\n\n${parts.join('\n\n')}\n`;
}

/** `0.85x (target >= 0.8x)` or `0.789 s (target < 1 s)`. */
function resultText(r: Ratio): string {
  if (r.op === '>=') return `${num(r.value, 2)}x (target >= ${r.target}x)`;
  const unit = r.unit ?? 's';
  return `${num(r.value, unit === 's' ? 3 : 1)} ${unit} (target < ${r.target} ${unit})`;
}

/** A line of the console summary: the verdict, then what was measured against what target. */
export const verdictLine = (r: Ratio) => `${met(r) ? 'met    ' : 'NOT MET'}  ${r.name}: ${resultText(r)}`;

export const met = (r: Ratio) => (r.op === '>=' ? r.value >= r.target : r.value < r.target);
