/** capacity.md: the knee and the budget verdict first, then the steps, the models and the projection. */
import type { CapacityResult, ArmResult } from './capacity-result.js';
import { formatCoefficient, formatEstimate, formatMs, formatValue, significant } from './capacity-format.js';
import { EXTRAPOLATION_FLAG } from './projection.js';
import { COMPONENTS } from './step-measurement.js';

export function capacityMarkdown(r: CapacityResult): string {
  const out: string[] = [];
  const steps = [...new Set(r.plan.filter((p) => !p.separatesNodeLimit).map((p) => p.nodes))].join(', ');
  out.push(`# twinlab capacity: ${r.cloud} control plane, steps ${steps}`, '');
  out.push(
    `Steady window ${r.steadySeconds} s per step${r.podsPerNode > 0 ? `, ${r.podsPerNode} pod(s) per node` : ', no pods'}${r.timeScale !== 1 ? `, edgecore's intervals × ${r.timeScale}` : ", at edgecore's real intervals"}. ` +
      `${r.complete ? 'Every planned step ran' : r.interrupted ? `Interrupted: ${r.arms.reduce((n, a) => n + a.steps.length, 0)} of ${r.plan.length} steps finished` : `${r.arms.reduce((n, a) => n + a.steps.length, 0)} of ${r.plan.length} steps so far`}; wall time ${Math.round(r.wallSeconds)} s.`,
    '',
  );
  out.push('## Verdict', '');
  for (const a of r.arms) {
    out.push(`- **${a.name}**${a.cloudcoreSet.length > 0 ? ` (${a.cloudcoreSet.join(', ')})` : ''}: ${a.knee.sentence}`);
    const b = a.projection?.budget;
    if (b) out.push(`  - budget at ${a.projection!.target} nodes: **${b.fits ? 'fits' : 'does not fit'}** — ${b.lines.join('; ')}`);
  }
  out.push('', `> ${r.machineLoad.note}`, '');
  for (const a of r.arms) out.push(...armSection(a));
  out.push('## How the sweep ran', '');
  out.push(`- ${r.controlPlanePerStep}`, `- ${r.nodeLimitSeparation}`, `- Command: \`${r.command}\``, `- Each step is a run directory (\`twinlab report\` and \`twinlab compare\` work on it): ${r.arms.flatMap((a) => a.steps.map((s) => `\`${s.runDir}\``)).join(', ')}`, '');
  return `${out.join('\n')}\n`;
}

function armSection(a: ArmResult): string[] {
  const out: string[] = [`## ${a.name}: steps`, ''];
  out.push('| nodes | nodeLimit | Ready | window | join→Ready p99 | pod startup p99 | workload API mutating p99 | apiserver req/s | apiserver p99 mutating / read (worst second) | etcd p99 (apiserver, worst second) | etcd DB | cloudcore goroutines | cloudcore open files | harness CPU | harness RSS | other processes | first limit |');
  out.push('|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const s of a.steps) {
    const c = s.components.cloudcore;
    out.push(
      `| ${s.nodes}${s.separatesNodeLimit ? ' (nodeLimit step)' : ''} | ${s.nodeLimit ?? '–'} | ${s.ready} | ${s.reachedSteady ? '' : 'no steady: '}${s.window.startS}–${s.window.endS} s | ${formatMs(s.slis.joinToReadyP99Ms)} | ${formatMs(s.slis.podStartupP99Ms)} | ${formatMs(s.slis.apiMutatingP99Ms)} | ${formatValue(s.apiserver.requestsPerS, 'per-second')} | ${formatMs(s.apiserver.mutatingP99Ms)} / ${formatMs(s.apiserver.readP99Ms)} | ${formatMs(s.apiserver.etcdP99Ms)} | ${formatValue(s.etcd.dbSizeBytes, 'bytes')} | ${formatValue(c?.goroutines, 'count')} | ${formatValue(c?.openFiles, 'count')} | ${formatValue(s.harness.cpuCoresMean, 'cores')} | ${formatValue(s.harness.rssBytes, 'bytes')} | ${formatValue(s.machine.otherCoresMean, 'cores')} | ${s.firstLimit ? `${s.firstLimit.rule}` : s.failedSlos.length > 0 ? `SLO: ${s.failedSlos.map((f) => f.name).join(', ')}` : s.rampLimit ? `${s.rampLimit.rule} (ramp only)` : ''}${s.sharedMachine ? ' (machine CPU saturated, mostly by other processes)' : ''} |`,
    );
  }
  out.push('', `### ${a.name}: control-plane processes (CPU mean / p95 over the window, highest RSS)`, '');
  out.push(`| nodes | ${COMPONENTS.join(' | ')} |`, `|---:|${COMPONENTS.map(() => '---').join('|')}|`);
  for (const s of a.steps) {
    const cells = COMPONENTS.map((name) => {
      const c = s.components[name];
      return c ? `${significant(c.cpuCoresMean ?? NaN)} / ${significant(c.cpuCoresP95 ?? NaN)} cores, ${formatValue(c.rssBytes, 'bytes')}${c.source === 'prometheus' ? ' (metrics)' : ''}` : '–';
    });
    out.push(`| ${s.nodes}${s.separatesNodeLimit ? ` @ nodeLimit ${s.nodeLimit}` : ''} | ${cells.join(' | ')} |`);
  }
  out.push('', `### ${a.name}: cost models (coefficients ± their 95 % confidence half-width; hold-out: the largest step predicted from the others)`, '');
  out.push('| model | formula | a | b (per node) | c (per nodeLimit) | R² | hold-out |', '|---|---|---|---|---|---:|---|');
  for (const m of a.models) {
    const coef = (term: string): string => {
      const k = m.fit?.coefficients.find((x) => x.term === term);
      if (!k) return '';
      return formatCoefficient(k.estimate, k.ci95 ? (k.ci95[1] - k.ci95[0]) / 2 : null, m.unit, term);
    };
    const h = m.holdout;
    const hold = h
      ? `${h.nodes} nodes: predicted ${formatValue(h.predicted, m.unit)}, measured ${formatValue(h.measured, m.unit)} (${h.errorPct === null ? '–' : `${h.errorPct >= 0 ? '+' : ''}${h.errorPct.toFixed(1)} %`}${h.within === null ? '' : h.within ? ', inside the interval' : ', outside the interval'})`
      : (m.holdoutUnavailable ?? '');
    out.push(`| ${m.label}${m.excluded.length > 0 ? ` (not fitted: ${m.excluded.map((x) => x.nodes).join(', ')} nodes, never all Ready)` : ''} | ${m.formula} | ${m.fit ? coef('intercept') : `no fit: ${m.unavailable}`} | ${coef('nodes')} | ${coef('nodeLimit')} | ${m.fit?.r2 === null || !m.fit ? '–' : m.fit.r2.toFixed(3)} | ${hold} |`);
  }
  const p = a.projection;
  if (p) {
    out.push('', `### ${a.name}: projection to ${p.target.toLocaleString('en-US')} nodes (nodeLimit ${p.nodeLimit}; 95 % prediction intervals)`, '');
    if (p.farExtrapolation) out.push(`> **Far extrapolation:** the target is ${p.factor.toFixed(0)}× the largest measured step (${p.largestStep}); beyond ${EXTRAPOLATION_FLAG}× a straight line is a guess about costs that were never observed.`, '');
    out.push('| component | cores (p95 model, or the mean where higher) | cores (mean model) | memory |', '|---|---|---|---|');
    for (const c of p.components) out.push(`| ${c.component} | ${formatEstimate(c.cores, 'cores')} | ${formatEstimate(c.coresMean, 'cores')} | ${formatEstimate(c.memoryBytes, 'bytes')} |`);
    out.push(`| **total** | ${formatValue(p.totals.cores.estimate, 'cores')}${p.totals.cores.high !== null ? ` (≤ ${formatValue(p.totals.cores.high, 'cores')})` : ''} | | ${formatValue(p.totals.memoryBytes.estimate, 'bytes')}${p.totals.memoryBytes.high !== null ? ` (≤ ${formatValue(p.totals.memoryBytes.high, 'bytes')})` : ''} |`, '');
    out.push(
      `- cloudcore open files: ${formatEstimate(p.cloudcoreOpenFiles, 'count')}${p.cloudcoreFdLimit !== null ? ` against its limit of ${p.cloudcoreFdLimit}${p.cloudcoreOpenFiles && p.cloudcoreOpenFiles.estimate > p.cloudcoreFdLimit ? ' — **over the limit**: cloudcore holds one socket per node and would refuse nodes past it' : ''}` : ''}`,
      `- cloudcore goroutines: ${formatEstimate(p.cloudcoreGoroutines, 'count')}`,
      `- etcd database: ${formatEstimate(p.etcdDbBytes, 'bytes')}`,
      '- Totals sum the components\' estimates; "≤" sums their upper bounds (conservative).',
      '',
    );
  }
  return out;
}
