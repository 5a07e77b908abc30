/**
 * A hub dialer for a cloud with several hub endpoints (the loopback peer over several processes):
 * each node dials the endpoint hubSpreadIndex gives its name, every time, so a reconnect reaches
 * the process that holds its state.
 */
import type { HubDialer } from '../../edge/hub/hub-link.js';
import { hubSpreadIndex } from '../../util/hub-spread.js';

export function spreadHubDialer(dial: HubDialer, cloudhubUrls: readonly string[]): HubDialer {
  if (cloudhubUrls.length === 0) throw new RangeError('spreadHubDialer: no hub URLs');
  return (options, listener) => dial({ ...options, cloudhubUrl: cloudhubUrls[hubSpreadIndex(options.nodeName, cloudhubUrls.length)]! }, listener);
}
