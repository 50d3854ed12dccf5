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

/** `0.85x (target >= 0.8x; rounds 0.81, 0.85, 0.9)` or `0.789 s (target < 1 s)`. */
function resultText(r: Ratio): string {
  const digits = r.unit === 's' ? 3 : r.unit === undefined ? 2 : 1;
  const value = (n: number) => (r.unit === undefined ? `${num(n, 2)}x` : `${num(n, digits)} ${r.unit}`);
  const target = r.unit === undefined ? `${r.target}x` : `${r.target.toLocaleString('en')} ${r.unit}`;
  const rounds = r.rounds && r.rounds.length > 1 ? `; rounds ${r.rounds.map((n) => (r.unit === undefined ? num(n, 2) : num(n, digits))).join(', ')}` : '';
  return `${value(r.value)} (target ${r.op} ${target}${rounds})`;
}

/** A line of the console summary: the verdict, then what was measured against what target. */
export const verdictLine = (r: Ratio) => `${met(r) ? 'met    ' : 'NOT MET'}  ${r.name}: ${resultText(r)}`;

export const met = (r: Ratio) => (r.op === '>=' ? r.value >= r.target : r.op === '<=' ? r.value <= r.target : r.value < r.target);
