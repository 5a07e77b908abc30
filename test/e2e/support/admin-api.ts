/** The admin client of a local control plane, built from the kubeconfig it writes (file paths for CA, cert and key). */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { AdminApi } from '../../../sim/cloud/local/admin-api.js';

export function adminApiFromKubeconfig(kubeconfigPath: string): AdminApi {
  const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority': string } }>;
    users: Array<{ user: { 'client-certificate': string; 'client-key': string } }>;
  };
  return new AdminApi({
    server: kc.clusters[0]!.cluster.server,
    caFile: kc.clusters[0]!.cluster['certificate-authority'],
    certFile: kc.users[0]!.user['client-certificate'],
    keyFile: kc.users[0]!.user['client-key'],
  });
}
