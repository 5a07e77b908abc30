/**
 * Which ConfigMaps, Secrets and service-account tokens a pod needs before its containers can
 * start — the objects edged queries from the cloud for a new pod (volumes, projected volumes,
 * envFrom, env.valueFrom, imagePullSecrets; cloud/pkg/edgecontroller/manager/location.go lists
 * the same set for pushes).
 */

export type PodQuery =
  | { readonly kind: 'configmap'; readonly name: string }
  | { readonly kind: 'secret'; readonly name: string }
  | { readonly kind: 'serviceaccounttoken'; readonly name: string };

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The queries edged sends for a pod, in the order it sends them: volume sources first
 * (projected service-account volumes as token then kube-root-ca.crt), then env references,
 * then image pull secrets. No duplicates.
 */
export function podQueries(pod: unknown): PodQuery[] {
  const spec = obj(obj(pod)?.spec);
  if (!spec) return [];
  const out: PodQuery[] = [];
  const seen = new Set<string>();
  const add = (q: PodQuery): void => {
    const key = `${q.kind}/${q.name}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(q);
    }
  };
  const serviceAccount = str(spec.serviceAccountName) ?? 'default';

  for (const v of arr(spec.volumes)) {
    const volume = obj(v);
    if (!volume) continue;
    const cm = str(obj(volume.configMap)?.name);
    if (cm) add({ kind: 'configmap', name: cm });
    const secret = str(obj(volume.secret)?.secretName);
    if (secret) add({ kind: 'secret', name: secret });
    for (const s of arr(obj(volume.projected)?.sources)) {
      const source = obj(s);
      if (!source) continue;
      if (obj(source.serviceAccountToken)) add({ kind: 'serviceaccounttoken', name: serviceAccount });
      const pcm = str(obj(source.configMap)?.name);
      if (pcm) add({ kind: 'configmap', name: pcm });
      const ps = str(obj(source.secret)?.name);
      if (ps) add({ kind: 'secret', name: ps });
    }
  }

  const containers = [...arr(spec.initContainers), ...arr(spec.containers)];
  for (const c of containers) {
    const container = obj(c);
    if (!container) continue;
    for (const e of arr(container.envFrom)) {
      const from = obj(e);
      const cm = str(obj(from?.configMapRef)?.name);
      if (cm) add({ kind: 'configmap', name: cm });
      const s = str(obj(from?.secretRef)?.name);
      if (s) add({ kind: 'secret', name: s });
    }
    for (const e of arr(container.env)) {
      const valueFrom = obj(obj(e)?.valueFrom);
      const cm = str(obj(valueFrom?.configMapKeyRef)?.name);
      if (cm) add({ kind: 'configmap', name: cm });
      const s = str(obj(valueFrom?.secretKeyRef)?.name);
      if (s) add({ kind: 'secret', name: s });
    }
  }

  for (const s of arr(spec.imagePullSecrets)) {
    const name = str(obj(s)?.name);
    if (name) add({ kind: 'secret', name });
  }
  return out;
}

export interface ContainerMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

export interface PodContainer {
  readonly name: string;
  readonly image: string;
  readonly volumeMounts: readonly ContainerMount[];
}

/** Container names, images and volume mounts, for status patches. */
export function podContainers(pod: unknown): PodContainer[] {
  const spec = obj(obj(pod)?.spec);
  const out: PodContainer[] = [];
  for (const c of arr(spec?.containers)) {
    const container = obj(c);
    const name = str(container?.name);
    if (!name) continue;
    const volumeMounts: ContainerMount[] = [];
    for (const m of arr(container?.volumeMounts)) {
      const mount = obj(m);
      const mountName = str(mount?.name);
      const mountPath = str(mount?.mountPath);
      if (mountName && mountPath) volumeMounts.push({ name: mountName, mountPath, readOnly: mount?.readOnly === true });
    }
    out.push({ name, image: str(container?.image) ?? '', volumeMounts });
  }
  return out;
}
