/**
 * A WS-Discovery probe responder for a fleet of fake cameras: a UDP socket on a loopback address
 * that answers each Probe with one ProbeMatches per matching camera, sent back to the prober.
 *
 * It never joins the 239.255.255.250 multicast group and refuses any address that is not
 * loopback: probes reach it by unicast, so fake cameras can never be discovered on a real network.
 */
import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ConfigInvalidError, FrameMalformedError } from '../../sim/errors.js';
import {
  buildProbeMatches,
  MATCH_BY_RFC3986,
  MATCH_BY_STRCMP0,
  NETWORK_VIDEO_TRANSMITTER,
  ONVIF_DEVICE,
  parseProbe,
  type DiscoveryType,
  type Probe,
} from './ws-discovery-messages.js';

/** What the responder needs to know of a camera. */
export interface DiscoveryTarget {
  /** urn:uuid:… */
  readonly endpointAddress: string;
  /** The device service address. */
  readonly xaddr: string;
  readonly scopes: readonly string[];
  isAvailable(): boolean;
  recordProbeAnswered(): void;
}

export interface DiscoveryResponderOptions {
  /** A loopback address; default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly targets: readonly DiscoveryTarget[];
}

export interface DiscoveryResponderCounters {
  readonly probes: number;
  readonly probeMatchesSent: number;
  /** Datagrams that were not WS-Discovery SOAP at all. */
  readonly malformed: number;
  /** Well-formed discovery messages other than Probe (Hello, Bye, Resolve…). */
  readonly ignored: number;
  readonly sendErrors: number;
  /** Datagrams the responder failed on; a bug if ever above 0. */
  readonly internalErrors: number;
}

export interface StartedDiscoveryResponder {
  readonly host: string;
  readonly port: number;
  counters(): DiscoveryResponderCounters;
  stop(): Promise<void>;
}

/** Every fake camera is an ONVIF network video transmitter. */
const CAMERA_TYPES: readonly DiscoveryType[] = [NETWORK_VIDEO_TRANSMITTER, ONVIF_DEVICE];
const METADATA_VERSION = 1;

export function isLoopbackAddress(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export async function startDiscoveryResponder(options: DiscoveryResponderOptions): Promise<StartedDiscoveryResponder> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) {
    throw new ConfigInvalidError(`the WS-Discovery responder binds loopback addresses only; ${JSON.stringify(host)} is not one`, { option: 'discoveryHost', host });
  }
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
  const port = await new Promise<number>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        reject(new ConfigInvalidError(`the WS-Discovery responder cannot bind ${host}:${options.port}: ${error.code}`, { option: 'discoveryPort', port: options.port }));
      } else {
        reject(error);
      }
    });
    socket.bind(options.port, host, () => resolve(socket.address().port));
  });
  return new DiscoveryResponder(socket, host, port, options.targets);
}

/** Whether a camera with these types and scopes answers the probe (WS-Discovery 2005/04, section 5.1). */
export function probeSelects(probe: Probe, types: readonly DiscoveryType[], scopes: readonly string[]): boolean {
  const typesMatch = probe.types.every((wanted) => types.some((t) => t.ns === wanted.ns && t.local === wanted.local));
  if (!typesMatch) return false;
  const scopeMatches = scopeRule(probe.matchBy);
  if (scopeMatches === undefined) return false;
  return probe.scopes.every((wanted) => scopes.some((offered) => scopeMatches(wanted, offered)));
}

function scopeRule(matchBy: string): ((wanted: string, offered: string) => boolean) | undefined {
  if (matchBy === MATCH_BY_STRCMP0) return (wanted, offered) => wanted === offered;
  if (matchBy === MATCH_BY_RFC3986) return rfc3986Match;
  return undefined;
}

/** Scheme and authority compared case-insensitively, then the wanted path segments must prefix the offered ones. */
function rfc3986Match(wanted: string, offered: string): boolean {
  const w = parseUri(wanted);
  const o = parseUri(offered);
  if (w === undefined || o === undefined) return wanted === offered;
  if (w.protocol !== o.protocol || w.host !== o.host) return false;
  const wantedSegments = w.pathname.split('/').filter((s) => s !== '');
  const offeredSegments = o.pathname.split('/').filter((s) => s !== '');
  return wantedSegments.length <= offeredSegments.length && wantedSegments.every((segment, i) => segment === offeredSegments[i]);
}

function parseUri(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

class DiscoveryResponder implements StartedDiscoveryResponder {
  private readonly instanceId = Math.floor(Date.now() / 1000);
  private messageNumber = 0;
  private readonly tally = { probes: 0, probeMatchesSent: 0, malformed: 0, ignored: 0, sendErrors: 0, internalErrors: 0 };

  constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    private readonly targets: readonly DiscoveryTarget[],
  ) {
    socket.on('message', (message, remote) => this.onMessage(message, remote));
    // After binding, socket errors are per-datagram send failures, counted where they happen.
    socket.on('error', () => {
      this.tally.sendErrors += 1;
    });
  }

  counters(): DiscoveryResponderCounters {
    return { ...this.tally };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(message: Buffer, remote: RemoteInfo): void {
    let probe: Probe | undefined;
    try {
      probe = parseProbe(message.toString('utf8'));
    } catch (error) {
      // Thrown from a socket listener, an error would take the whole fleet down: count it instead.
      if (error instanceof FrameMalformedError) this.tally.malformed += 1;
      else this.tally.internalErrors += 1;
      return;
    }
    if (probe === undefined) {
      this.tally.ignored += 1;
      return;
    }
    this.tally.probes += 1;
    for (const target of this.targets) {
      if (!target.isAvailable() || !probeSelects(probe, CAMERA_TYPES, target.scopes)) continue;
      this.messageNumber += 1;
      const answer = buildProbeMatches({
        messageId: `urn:uuid:${randomUUID()}`,
        relatesTo: probe.messageId,
        instanceId: this.instanceId,
        messageNumber: this.messageNumber,
        matches: [{ endpointAddress: target.endpointAddress, types: CAMERA_TYPES, scopes: target.scopes, xaddrs: [target.xaddr], metadataVersion: METADATA_VERSION }],
      });
      this.socket.send(answer, remote.port, remote.address, (error) => {
        if (error) {
          this.tally.sendErrors += 1;
          return;
        }
        this.tally.probeMatchesSent += 1;
        target.recordProbeAnswered();
      });
    }
  }
}
