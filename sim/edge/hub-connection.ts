/**
 * One virtual node's CloudHub WebSocket, dialled as edgehub dials it
 * (edge/pkg/edgehub/clients/wsclient): `wss://<server>/<projectID>/<node>/events` with the
 * `node_id`, `project_id` and `ConnectionUse: msg` headers in Go's canonical spelling, the node's
 * client certificate, the CA pinned, no compression and no subprotocol. Events go to one listener
 * object (the node) rather than per-node closures where avoidable.
 *
 * Two clients put the same bytes on the wire: the lean TlsHubLink (default: about 17 KB less
 * memory per node, see bench/README.md) and HubConnection on the `ws` package
 * (`TWINLAB_HUB_CLIENT=ws`, kept as the reference the lean one is tested against).
 */
import type { SecureContext } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import { hubHeaders, TlsHubLink } from './transport/tls-hub-link.js';

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

/** Dial with the `ws` package. */
export const dialWsHub: HubDialer = (options, listener) => new HubConnection(options, listener);

/** Dial with the lean client: the same request, TLS and frames, a fraction of the memory. */
export const dialTlsHub: HubDialer = (options, listener) => {
  const base = new URL(options.cloudhubUrl);
  const host = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
  const port = base.port === '' ? 443 : Number(base.port);
  const path = new URL(hubUrl(options.cloudhubUrl, options.projectId, options.nodeName)).pathname;
  return new TlsHubLink({ host, port, path, hostHeader: base.host }, options, hubHeaders(options), listener);
};

export type HubClientKind = 'lean' | 'ws';

/** The client a shard uses: the lean one unless `TWINLAB_HUB_CLIENT=ws` (read once per process). */
export function hubClientKind(env: NodeJS.ProcessEnv = process.env): HubClientKind {
  return env.TWINLAB_HUB_CLIENT === 'ws' ? 'ws' : 'lean';
}

/** The client this process dials with. Link faults (sim/chaos) need the lean one: a shard on `ws` refuses fault commands. */
export const HUB_CLIENT: HubClientKind = hubClientKind();

export const dialHub: HubDialer = HUB_CLIENT === 'ws' ? dialWsHub : dialTlsHub;

export class HubConnection implements HubLink {
  private readonly ws: WebSocket;
  private opened = false;
  private closed = false;

  constructor(options: HubDialOptions, private readonly listener: HubListener) {
    const wsOptions: Omit<ClientOptions, 'checkServerIdentity'> & {
      secureContext: SecureContext;
      checkServerIdentity?: HubDialOptions['checkServerIdentity'];
    } = {
      secureContext: options.secureContext,
      perMessageDeflate: false,
      handshakeTimeout: options.handshakeTimeoutMs,
      followRedirects: false,
      skipUTF8Validation: true,
      headers: {
        'User-Agent': 'Go-http-client/1.1',
        Connectionuse: 'msg',
        Node_id: options.nodeName,
        Project_id: options.projectId,
      },
    };
    if (options.checkServerIdentity) {
      wsOptions.checkServerIdentity = options.checkServerIdentity;
    }
    // tls.connect receives every option; its checkServerIdentity returns an Error, not ws's boolean.
    this.ws = new WebSocket(hubUrl(options.cloudhubUrl, options.projectId, options.nodeName), wsOptions as ClientOptions);
    this.ws.on('open', () => {
      this.opened = true;
      this.listener.onHubOpen(this);
    });
    this.ws.on('message', (data: Buffer) => this.listener.onHubMessage(this, data));
    this.ws.on('error', (err: Error) => this.finish(err.message));
    this.ws.on('close', (code: number, reason: Buffer) => this.finish(reason.length > 0 ? reason.toString() : `closed (${code})`));
  }

  get isOpen(): boolean {
    return this.opened && !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send one text message; false when the socket is not open (the caller counts the failure). */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.ws.send(text);
    return true;
  }

  /** Close without a close frame, as edgehub and cloudcore do (neither sends one). */
  terminate(): void {
    this.ws.terminate();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.listener.onHubClosed(this, this.opened, reason);
  }
}
