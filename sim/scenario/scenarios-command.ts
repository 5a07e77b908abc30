/** `twinlab scenarios`: the built-in scenarios with their one-line descriptions (and `--check FILE` to validate one). */
import { readdirSync } from 'node:fs';
import { ExitCodes } from '../errors.js';
import { builtInScenarioDir, loadScenarioFile } from './scenario-loader.js';

export function listBuiltInScenarios(): Array<{ name: string; description: string; nodes: number; phases: string[] }> {
  return readdirSync(builtInScenarioDir())
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const loaded = loadScenarioFile(f.slice(0, -'.yaml'.length));
      return { name: loaded.scenario.name, description: loaded.scenario.description, nodes: loaded.scenario.fleet.nodes, phases: loaded.phases.map((p) => p.phase) };
    });
}

export function runScenariosCommand(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const check = argv.indexOf('--check');
  if (check >= 0) {
    const file = argv[check + 1];
    const loaded = loadScenarioFile(file ?? '');
    out(`${file}: ok — ${loaded.scenario.name}, ${loaded.scenario.fleet.nodes} nodes, phases ${loaded.phases.map((p) => p.name).join(' → ')}\n`);
    return ExitCodes.Ok;
  }
  const all = listBuiltInScenarios();
  const width = Math.max(...all.map((s) => s.name.length));
  for (const s of all) out(`${s.name.padEnd(width)}  ${s.description}\n`);
  out(`\nrun one: pnpm sim --scenario <name> [--nodes N] [--cloud local|loopback|…]; check a file: twinlab scenarios --check FILE\n`);
  return ExitCodes.Ok;
}
