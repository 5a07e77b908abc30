/**
 * The `twinlab` command line: `sim` runs a fleet against a cloud, `shard` runs one shard alone
 * (the unit a Helm chart spreads over a cluster). Errors print their code and exit with the
 * documented exit codes.
 */
import 'reflect-metadata';
import { ExitCodes, isTwinlabError, ErrorCodes, exitCodeFor } from './errors.js';
import { parseSimOptions } from './run/sim-options.js';
import { runSim } from './run/sim-run.js';
import { endWithLauncher } from './run/launcher-watch.js';
import { runShardCommand } from './fleet/shard/shard-command.js';
import { TWINLAB_VERSION } from './version.js';
import { runScenariosCommand } from './scenario/scenarios-command.js';
import { runReportCommand } from './commands/report-command.js';
import { runCompareCommand } from './report/compare-command.js';
import { runPrometheusCommand } from './prometheus/prometheus-command.js';
import { runCapacityCommand } from './capacity/capacity-command.js';

const USAGE = `twinlab ${TWINLAB_VERSION} — a digital-twin lab for KubeEdge

usage:
  twinlab sim [options]        run N virtual edge nodes against a cloud (docs/cli.md)
  twinlab shard [--index I] --of N [options]
                               run one shard of a fleet on its own; in a pod the index comes from
                               the hostname or JOB_COMPLETION_INDEX (twinlab shard --help)
  twinlab scenarios            list the built-in scenarios (--check FILE validates a scenario file)
  twinlab report <run-dir>     rebuild summary.json, summary.md, report.html and junit.xml from events.jsonl
  twinlab compare <baseline summary.json> <current summary.json> [--max-regression 10%]
                               every SLI side by side; exit 4 on a regression beyond the bound
  twinlab prometheus <run-dir> serve a finished run's kept Prometheus TSDB (HTTP API) until Ctrl-C
  twinlab capacity --steps 250,500,1000,2000 [--target 100000] [--budget cores=C,memory=M] ...
                               sweep the fleet, fit each component's cost per node, find the knee and
                               project to a target (twinlab capacity --help; docs/capacity.md)
  twinlab version

what-ifs for the local control plane (twinlab sim --cloud local; docs/cli.md, "What-if knobs"):
  --cloudcore-set key.path=value   set one of cloudcore's own numeric or boolean config fields (repeatable),
                                   e.g. modules.edgeController.buffer.queryNode=4096; file paths, addresses
                                   and ports stay the provider's and cannot be set. The run records the
                                   value cloudcore ran with, and says when cloudcore overrode it.
  --apiserver-arg=--flag=value     add a kube-apiserver flag (repeatable), e.g. --max-requests-inflight=800;
                                   flags the provider sets itself (etcd, ports, certs, authorization) are refused

edgecore's intervals for every virtual node (any cloud; docs/cli.md, "edgecore's intervals"):
  --edgecore-set key.path=value    modules.edgeHub.heartbeat (s), modules.edged.tailoredKubeletConfig.
                                   nodeLeaseDurationSeconds (s), nodeStatusUpdateFrequency, nodeStatusReportFrequency
                                   (durations, e.g. 1m); recorded in the run, a different setup to twinlab compare

docs/cli.md lists every option.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'sim': {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(`${USAGE}\n`);
        return ExitCodes.Ok;
      }
      const options = parseSimOptions(rest);
      endWithLauncher();
      const result = await runSim(options);
      const s = result.summary;
      process.stdout.write(
        `${s.title}: ${s.nodes.ready}/${s.nodes.requested} nodes ready, ${s.messages.sent} sent / ${s.messages.received} received, ` +
          `${s.messages.unanswered} unanswered, ${s.messages.malformed} malformed\n` +
          `reports: ${result.outDir}/summary.json, summary.md, report.html, junit.xml (events: events.jsonl)\n`,
      );
      if (s.error) process.stderr.write(`${s.error.code}: ${s.error.message}\n`);
      return result.exitCode;
    }
    case 'shard':
      return runShardCommand(rest);
    case 'scenarios':
      return runScenariosCommand(rest);
    case 'report':
      return runReportCommand(rest);
    case 'compare':
      return runCompareCommand(rest);
    case 'prometheus':
      return runPrometheusCommand(rest);
    case 'capacity':
      endWithLauncher();
      return runCapacityCommand(rest);
    case 'version':
    case '--version':
      process.stdout.write(`${TWINLAB_VERSION}\n`);
      return ExitCodes.Ok;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return ExitCodes.Ok;
    default:
      process.stderr.write(`${ErrorCodes.ConfigInvalid}: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
      return ExitCodes.InvalidInput;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isTwinlabError(error)) process.stderr.write(`${error.toLine()}\n`);
    else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(exitCodeFor(error));
  },
);
