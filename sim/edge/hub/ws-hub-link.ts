/**
 * The reference CloudHub client on the `ws` package (`TWINLAB_HUB_CLIENT=ws`): the same bytes on the
 * wire as the lean TlsHubLink, which is tested against it. The lean one is the default: about
 * 17 KB less memory per node (see bench/README.md).
 */
import type { SecureContext } from 'node:tls';
import { WebSocket, type ClientOptions } from 'ws';
import { hubUrl, type HubDialer, type HubDialOptions, type HubLink, type HubListener } from './hub-link.js';

/** Dial with the `ws` package. */
export const dialWsHub: HubDialer = (options, listener) => new WsHubLink(options, listener);

export class WsHubLink implements HubLink {
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
