/** The namespace a workload puts its objects in, made when it is not there yet. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { isStatus } from './api-errors.js';

/** Create the namespace unless it exists; losing a race to create it is fine. */
export async function createNamespaceIfAbsent(core: CoreV1Api, name: string): Promise<void> {
  try {
    await core.readNamespace({ name });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
    try {
      await core.createNamespace({ body: { metadata: { name } } });
    } catch (e) {
      if (!isStatus(e, 409)) throw e;
    }
  }
}
