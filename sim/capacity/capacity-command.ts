/** `twinlab capacity`: parse, sweep, print the verdict and where the reports are. */
import { ExitCodes } from '../errors.js';
import { parseCapacityOptions } from './capacity-options.js';
import { rebuildCapacity, runCapacitySweep, type RunStep } from './capacity-sweep.js';

export const CAPACITY_USAGE = `usage: twinlab capacity --steps 250,500,1000,2000 [--target 100000] [--pods-per-node K] [--steady 2m]
                        [--cloud local|attach] [--cloudcore-set key=value ...] [--compare-config "key=value,..."]
                        [--budget cores=C,memory=M] [--out DIR] [--time-scale F]

Runs one fleet per step (each an ordinary run directory), holds it --steady after every node is Ready,
fits what each control-plane component costs per node (a + b·N, cloudcore's RSS with a nodeLimit term),
finds the knee and projects to --target with 95 % prediction intervals. Writes capacity.json,
capacity.md and capacity.html after every step. Exit 3 when --budget does not hold the target.
attach: --cloudhub, --certs-url, --kubeconfig/--token as for twinlab sim; --cloudcore-metrics URL and
--metrics-target NAME=URL (repeatable) are the /metrics endpoints it scrapes. Also passed to every step:
--shards, --ramp, --pod-rate, --pod-concurrency, --plain-pods, --slo, --optional-slo, --apiserver-arg, --edgecore-set,
--stall-window, --cert-cache, --progress.

       twinlab capacity --rebuild DIR
measures every step directory of an earlier sweep again and rewrites its capacity.json/md/html.`;

export async function runCapacityCommand(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  runStep?: RunStep,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(`${CAPACITY_USAGE}\n`);
    return ExitCodes.Ok;
  }
  const rebuild = argv.indexOf('--rebuild');
  const { result, exitCode, files } =
    rebuild >= 0
      ? await rebuildCapacity(argv[rebuild + 1] ?? '')
      : await runCapacitySweep(parseCapacityOptions(argv), argv, log, runStep);
  for (const a of result.arms) {
    out(`${a.name}: ${a.knee.sentence}\n`);
    const p = a.projection;
    if (p) {
      out(`  at ${p.target} nodes: ${p.totals.cores.estimate.toFixed(2)} cores, ${(p.totals.memoryBytes.estimate / 1024 ** 3).toFixed(2)} GiB for the control plane${p.farExtrapolation ? ` (far extrapolation: ${p.factor.toFixed(0)}× the largest step)` : ''}\n`);
      if (p.budget) out(`  budget: ${p.budget.fits ? 'fits' : 'does NOT fit'} — ${p.budget.lines.join('; ')}\n`);
    }
  }
  out(`${result.machineLoad.note}\nreports: ${files.join(', ')}\n`);
  return exitCode;
}
