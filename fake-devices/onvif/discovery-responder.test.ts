/**
 * The WS-Discovery responder, probed by unicast on 127.0.0.1 (the onvif library's Discovery can
 * only multicast to 239.255.255.250, which these tests must never do). Answers are read both with
 * this package's parser and with the onvif library's own SOAP parser, the way Discovery reads them.
 */
import { randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../../sim/errors.js';
import { startDiscoveryResponder } from './discovery-responder.js';
import { startOnvifFleet, type OnvifFleet } from './onvif-fleet.js';
import { buildProbe, NETWORK_VIDEO_TRANSMITTER, parseProbeMatches, type ProbeMatches } from './ws-discovery-messages.js';

/** The onvif library's internal SOAP reader, which Discovery.probe() runs on every answer. */
interface OnvifUtils {
  parseSOAPString(xml: string, callback: (error: Error | null, data: unknown) => void, statusCode: number): void;
  linerase(data: unknown): Record<string, unknown>;
}
const onvifUtils = createRequire(import.meta.url)('onvif/lib/utils') as OnvifUtils;

/** Byte for byte the Probe onvif 0.8's Discovery.probe() sends (lib/discovery.js), with a fixed message id. */
const ONVIF_LIBRARY_PROBE =
  '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
  '<Header>' +
  '<wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:uuid:0c4d5e0e-7a2b-4b8e-9d57-3f1f6c1a0b11</wsa:MessageID>' +
  '<wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>' +
  '<wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>' +
  '</Header>' +
  '<Body>' +
  '<Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
  '<Types>dn:NetworkVideoTransmitter</Types>' +
  '<Scopes />' +
  '</Probe>' +
  '</Body>' +
  '</Envelope>';

let fleet: OnvifFleet;
let prober: Socket;
/** How long to wait for a first answer, then for each further one. */
const FIRST_ANSWER_MS = 800;
const QUIET_MS = 300;

beforeAll(async () => {
  fleet = await startOnvifFleet({ count: 3, basePort: 0, seed: 11, discoveryPort: 0 });
  prober = createSocket('udp4');
  await new Promise<void>((resolve) => prober.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  prober?.close();
  await fleet?.stop();
});

/**
 * Sends one datagram to the responder and collects every answer until none has come for a while,
 * so a responder answering too much is caught, not cut off after the first expected answer.
 */
function probe(datagram: string): Promise<string[]> {
  const answers: string[] = [];
  return new Promise((resolve) => {
    let timer = setTimeout(() => finish(), FIRST_ANSWER_MS);
    const finish = (): void => {
      clearTimeout(timer);
      prober.off('message', onMessage);
      resolve(answers);
    };
    const onMessage = (message: Buffer): void => {
      answers.push(message.toString('utf8'));
      clearTimeout(timer);
      timer = setTimeout(finish, QUIET_MS);
    };
    prober.on('message', onMessage);
    prober.send(datagram, fleet.discovery!.port, '127.0.0.1');
  });
}

function byLibrary(xml: string): Promise<{ address: string; xaddrs: string }> {
  return new Promise((resolve, reject) => {
    onvifUtils.parseSOAPString(
      xml,
      (error, data) => {
        if (error) return reject(error);
        const match = onvifUtils.linerase(data).probeMatches as { probeMatch: { endpointReference: { address: string }; XAddrs: string } };
        resolve({ address: match.probeMatch.endpointReference.address, xaddrs: match.probeMatch.XAddrs });
      },
      200,
    );
  });
}

describe('the WS-Discovery responder', () => {
  it('answers a Probe with one ProbeMatches per camera, each pointing at its device service', async () => {
    const messageId = `urn:uuid:${randomUUID()}`;
    const answers = (await probe(buildProbe({ messageId, types: [NETWORK_VIDEO_TRANSMITTER], scopes: [] }))).map(parseProbeMatches);
    expect(answers).toHaveLength(3);
    for (const answer of answers) expect(answer.relatesTo).toBe(messageId);
    const found = answers.flatMap((a: ProbeMatches) => a.matches.map((m) => ({ address: m.endpointAddress, xaddrs: m.xaddrs })));
    const expected = fleet.cameras.map((c) => ({ address: c.identity.endpointAddress, xaddrs: [c.xaddr] }));
    expect(found.sort((a, b) => a.address.localeCompare(b.address))).toEqual(expected.sort((a, b) => a.address.localeCompare(b.address)));
    expect(answers[0]!.matches[0]!.types).toContainEqual(NETWORK_VIDEO_TRANSMITTER);
    expect(fleet.counters('cam-0').probesAnswered).toBeGreaterThanOrEqual(1);
  });

  it('answers the onvif library probe in a form the library reads', async () => {
    const answers = await probe(ONVIF_LIBRARY_PROBE);
    expect(answers).toHaveLength(3);
    expect(answers.map(parseProbeMatches).every((a) => a.relatesTo === 'urn:uuid:0c4d5e0e-7a2b-4b8e-9d57-3f1f6c1a0b11')).toBe(true);
    const read = await Promise.all(answers.map(byLibrary));
    expect(read.map((r) => r.xaddrs).sort()).toEqual(fleet.cameras.map((c) => c.xaddr).sort());
    expect(read.map((r) => r.address).sort()).toEqual(fleet.cameras.map((c) => c.identity.endpointAddress).sort());
  });

  it('answers only the cameras whose scopes match', async () => {
    const messageId = `urn:uuid:${randomUUID()}`;
    const answers = (await probe(buildProbe({ messageId, types: [], scopes: ['onvif://www.onvif.org/name/cam-1'] }))).map(parseProbeMatches);
    expect(answers.map((a) => a.matches[0]!.xaddrs[0])).toEqual([fleet.cameras[1]!.xaddr]);
    expect(await probe(buildProbe({ messageId, types: [], scopes: ['onvif://www.onvif.org/name/cam-77'] }))).toEqual([]);
  });

  it('stays silent for a type no camera has, and for an offline camera', async () => {
    const messageId = `urn:uuid:${randomUUID()}`;
    expect(await probe(buildProbe({ messageId, types: [{ ns: 'urn:example:types', local: 'Toaster' }], scopes: [] }))).toEqual([]);
    fleet.setFault('cam-2', { offline: true });
    try {
      const answers = (await probe(buildProbe({ messageId, types: [], scopes: [] }))).map(parseProbeMatches);
      expect(answers.map((a) => a.matches[0]!.xaddrs[0]).sort()).toEqual([fleet.cameras[0]!.xaddr, fleet.cameras[1]!.xaddr].sort());
      expect(await probe(buildProbe({ messageId, types: [], scopes: ['onvif://www.onvif.org/name/cam-2'] }))).toEqual([]);
    } finally {
      fleet.setFault('cam-2', {});
    }
  });

  it('counts a garbage datagram and still answers the next probe', async () => {
    const before = fleet.discoveryCounters()!.malformed;
    expect(await probe('definitely <not> xml')).toEqual([]);
    expect(fleet.discoveryCounters()!.malformed).toBe(before + 1);
    expect(await probe(buildProbe({ messageId: `urn:uuid:${randomUUID()}`, types: [], scopes: [] }))).toHaveLength(3);
  });

  it('refuses to bind anything but a loopback address', async () => {
    await expect(startDiscoveryResponder({ host: '0.0.0.0', port: 0, targets: [] })).rejects.toThrow(ConfigInvalidError);
    await expect(startDiscoveryResponder({ host: '192.168.1.10', port: 0, targets: [] })).rejects.toThrow(/loopback/);
  });
});
