/**
 * `--fleet kubernetes`: the run puts its shards on a cluster itself. It creates two Secrets (the
 * join token, the run token), renders charts/twinlab with the run's values (shards under the run's
 * control channel) and creates every object through the Kubernetes API, labelled with the run.
 * At the end — normal, failed or interrupted — it deletes what it created, newest first, and
 * checks each is gone. The shards then dial the control channel as a `--fleet remote` run's do.
 */
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { renderChart, type ChartObject } from './chart-render.js';

export interface KubernetesFleetOptions {
  kubeconfigPath: string;
  namespace: string;
  /** Helm release name: the objects are named after it. */
  release: string;
  image: { repository: string; tag: string };
  nodes: number;
  shards: number;
  namePrefix: string;
  certs: 'per-node' | 'shared';
  kubeedgeVersion: string;
  cloudhub: string;
  certsUrl: string;
  insecureSkipHostnameCheck: boolean;
  /** The control channel's URL as the pods reach it. */
  controlUrl: string;
  /** Secrets: written into the cluster's Secrets, never into the chart's values or a log. */
  joinToken: string;
  controlToken: string;
  /** Every object gets this label (`twinlab.io/run`). */
  runId: string;
  log: (line: string) => void;
}

export interface CreatedObject {
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

/** What a removal did: every object deleted and confirmed gone, or the ones that were not. */
export interface Removal {
  deleted: number;
  left: string[];
}

export const RUN_LABEL = 'twinlab.io/run';

function what(o: { kind: string; metadata: { name: string } }): string {
  return `${o.kind} ${o.metadata.name}`;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class KubernetesFleet {
  private readonly created: Array<KubernetesObject & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string } }> = [];
  readonly objects: CreatedObject[] = [];

  private constructor(
    private readonly api: KubernetesObjectApi,
    private readonly o: KubernetesFleetOptions,
  ) {}

  /** Create the Secrets and the chart's objects; on any failure, remove what was created and throw. */
  static async deploy(o: KubernetesFleetOptions): Promise<KubernetesFleet> {
    const kc = new KubeConfig();
    kc.loadFromFile(o.kubeconfigPath);
    const fleet = new KubernetesFleet(KubernetesObjectApi.makeApiClient(kc), o);
    const joinSecret = `${o.release}-join-token`;
    const controlSecret = `${o.release}-control-token`;
    // Rendered first: a fleet the chart refuses creates nothing.
    const rendered = renderChart(o.release, o.namespace, {
      'image.repository': o.image.repository,
      'image.tag': o.image.tag,
      'fleet.nodes': o.nodes,
      'fleet.shards': o.shards,
      'fleet.namePrefix': o.namePrefix,
      'fleet.certs': o.certs,
      'fleet.kubeedgeVersion': o.kubeedgeVersion,
      'cloud.cloudhub': o.cloudhub,
      'cloud.certsUrl': o.certsUrl,
      'cloud.insecureSkipHostnameCheck': o.insecureSkipHostnameCheck,
      'token.existingSecret': joinSecret,
      'token.existingSecretKey': 'tokendata',
      'control.url': o.controlUrl,
      'control.tokenSecret': controlSecret,
    });
    const secret = (name: string, key: string, value: string): ChartObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: o.namespace },
      type: 'Opaque',
      stringData: { [key]: value },
    });
    try {
      // The namespace too, when it is not there (and then it goes at the end, with the rest).
      try {
        await fleet.api.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
        await fleet.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } }, false);
      }
      for (const object of [secret(joinSecret, 'tokendata', o.joinToken), secret(controlSecret, 'token', o.controlToken), ...rendered]) {
        await fleet.create(object);
      }
    } catch (error) {
      await fleet.remove();
      throw error;
    }
    o.log(`kubernetes: created ${fleet.objects.map((x) => `${x.kind} ${x.name}`).join(', ')} in namespace ${o.namespace}`);
    return fleet;
  }

  private async create(object: ChartObject, namespaced = true): Promise<void> {
    const labels = { ...object.metadata.labels, [RUN_LABEL]: this.o.runId };
    const spec = {
      ...object,
      metadata: namespaced ? { ...object.metadata, namespace: object.metadata.namespace ?? this.o.namespace, labels } : { ...object.metadata, labels },
    };
    let made: KubernetesObject;
    try {
      made = await this.api.create(spec);
    } catch (error) {
      const status = statusOf(error);
      const body = (error as { body?: unknown }).body;
      const reason = typeof body === 'string' ? body.slice(0, 300) : error instanceof Error ? error.message : String(error);
      throw new TwinlabError(ErrorCodes.ConfigInvalid, `kubernetes: cannot create ${what(spec)} in namespace ${spec.metadata.namespace ?? '-'}${status ? ` (HTTP ${status})` : ''}: ${reason}`, {
        kind: spec.kind,
        name: spec.metadata.name,
      });
    }
    this.created.push(spec);
    this.objects.push({ kind: spec.kind, name: spec.metadata.name, namespace: spec.metadata.namespace ?? '', uid: made.metadata?.uid ?? '' });
  }

  /** Delete every object created, newest first, and wait (up to `waitMs`) until each is gone. Safe to call twice. */
  async remove(waitMs = 60_000): Promise<Removal> {
    const objects = this.created.splice(0).reverse();
    const left: string[] = [];
    for (const object of objects) {
      try {
        await this.api.delete(object, undefined, undefined, undefined, undefined, 'Background');
      } catch (error) {
        if (statusOf(error) !== 404) left.push(`${what(object)} (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const deadline = Date.now() + waitMs;
    for (const object of objects) {
      for (;;) {
        try {
          await this.api.read(object);
        } catch (error) {
          if (statusOf(error) === 404) break;
        }
        if (Date.now() >= deadline) {
          left.push(`${what(object)} still present after ${Math.round(waitMs / 1000)} s`);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const removal = { deleted: objects.length - left.length, left };
    this.o.log(
      left.length === 0
        ? `kubernetes: deleted ${removal.deleted} objects from namespace ${this.o.namespace}; all gone`
        : `kubernetes: deleted ${removal.deleted} of ${objects.length} objects; left: ${left.join('; ')}`,
    );
    return removal;
  }
}
