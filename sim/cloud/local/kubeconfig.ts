/** Writes an admin kubeconfig that points at the local API server with client-certificate auth. */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function writeKubeconfig(path: string, k: KubeconfigInput, name = 'twinlab-local'): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: k.server, 'certificate-authority': k.caFile } }],
    users: [{ name: `${name}-admin`, user: { 'client-certificate': k.certFile, 'client-key': k.keyFile } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    'current-context': name,
    preferences: {},
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}
