/**
 * What a virtual node needs of its CloudHub WebSocket, apart from the two clients that provide it
 * (tls-hub-link.ts, ws-hub-link.ts). The link is dialled as edgehub dials it
 * (edge/pkg/edgehub/clients/wsclient): `wss://<server>/<projectID>/<node>/events` with the
 * `node_id`, `project_id` and `ConnectionUse: msg` headers in Go's canonical spelling, the node's
 * client certificate, the CA pinned, no compression and no subprotocol. Events go to one listener
 * object (the node) rather than per-node closures where avoidable.
 */
import type { SecureContext } from 'node:tls';

export interface HubListener {
  onHubOpen(hub: HubLink): void;
  onHubMessage(hub: HubLink, data: Buffer): void;
  /** `opened` tells whether the upgrade had completed; `reason` is the error or close reason. */
  onHubClosed(hub: HubLink, opened: boolean, reason: string): void;
}

export interface HubDialOptions {
  /** `wss://host:10000` (any path is replaced with edgehub's). */
  cloudhubUrl: string;
  projectId: string;
  nodeName: string;
  secureContext: SecureContext;
  handshakeTimeoutMs: number;
  /** Override the TLS hostname check (for a cloud whose certificate lacks the dialled address). */
  checkServerIdentity?: (host: string, cert: unknown) => Error | undefined;
}

export function hubUrl(cloudhubUrl: string, projectId: string, nodeName: string): string {
  const base = new URL(cloudhubUrl);
  return `${base.protocol}//${base.host}/${projectId}/${encodeURIComponent(nodeName)}/events`;
}

/** What a node needs of its hub link; tests substitute a fake. */
export interface HubLink {
  readonly isOpen: boolean;
  send(text: string): boolean;
  terminate(): void;
}

export type HubDialer = (options: HubDialOptions, listener: HubListener) => HubLink;

export type HubClientKind = 'lean' | 'ws';

/**
 * The client named by `TWINLAB_HUB_CLIENT` (`ws` or, by default, `lean`): read by whoever builds a
 * shard's configuration (sim/fleet/controller), which passes the kind on; the edge never reads it.
 */
export function hubClientKind(env: NodeJS.ProcessEnv = process.env): HubClientKind {
  return env.TWINLAB_HUB_CLIENT === 'ws' ? 'ws' : 'lean';
}
