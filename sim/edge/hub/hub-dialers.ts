/** The dialer for a hub client kind: the one place that knows both clients. */
import type { HubClientKind, HubDialer } from './hub-link.js';
import { dialTlsHub } from './tls-hub-link.js';
import { dialWsHub } from './ws-hub-link.js';

export function dialerFor(kind: HubClientKind): HubDialer {
  return kind === 'ws' ? dialWsHub : dialTlsHub;
}
