/**
 * A fake camera under bad input and injected faults, spoken to with raw HTTP so each request is
 * exactly what the test says. Faults are checked against the SOAP 1.2 fault shape and the ONVIF
 * Core generic fault table, not against what the camera happens to send.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope, type XmlObject } from '../../sim/protocol/devices/soap-builder.js';
import { usernameTokenHeader } from '../../sim/protocol/devices/ws-security-token.js';
import { startOnvifFleet, type OnvifFleet } from './onvif-fleet.js';
import { oneShotHttp } from './one-shot-http.js';
import { attributeValue, childElement, parseXmlTree, type XmlElement } from './xml-tree.js';

const CREDENTIALS = { username: 'admin', password: 's3cret' };
const REQUEST_NAMESPACES = { env: Ns.soapEnvelope, tds: Ns.device, trt: Ns.media, tt: Ns.onvifSchema };

let fleet: OnvifFleet;
let deviceUrl: string;
let mediaUrl: string;
const id = 'cam-0';

beforeAll(async () => {
  fleet = await startOnvifFleet({ count: 1, basePort: 0, ...CREDENTIALS, clockToleranceMs: 60_000 });
  deviceUrl = fleet.cameras[0]!.xaddr;
  mediaUrl = deviceUrl.replace('device_service', 'media_service');
});

afterAll(async () => {
  await fleet?.stop();
});

afterEach(() => {
  fleet.setFault(id, {});
});

function envelope(body: XmlObject, header?: XmlObject): string {
  return buildSoapEnvelope({ namespaces: REQUEST_NAMESPACES, ...(header === undefined ? {} : { header }), body });
}

function signed(body: XmlObject, created?: string): string {
  return envelope(body, usernameTokenHeader(CREDENTIALS, created === undefined ? {} : { created }));
}

async function post(url: string, text: string): Promise<{ status: number; xml: string }> {
  const response = await oneShotHttp(url, { method: 'POST', headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' }, body: text });
  return { status: response.status, xml: response.body.toString('utf8') };
}

interface QName {
  ns: string;
  local: string;
}

/** A SOAP 1.2 fault, read as the spec lays it out: Code/Value, nested Subcode/Value, Reason/Text. */
interface FaultShape {
  code: QName;
  subcodes: QName[];
  reason: { lang: string | undefined; text: string };
  detail: string | undefined;
}

function resolveQName(element: XmlElement): QName {
  const [prefix, local] = element.text.includes(':') ? element.text.split(':') : ['', element.text];
  return { ns: element.resolvePrefix(prefix!) ?? '', local: local! };
}

function readFault(xml: string): FaultShape | undefined {
  const root = parseXmlTree(xml);
  const fault = childElement(childElement(root, Ns.soapEnvelope, 'Body'), Ns.soapEnvelope, 'Fault');
  if (fault === undefined) return undefined;
  const code = childElement(fault, Ns.soapEnvelope, 'Code')!;
  const subcodes: QName[] = [];
  for (let sub = childElement(code, Ns.soapEnvelope, 'Subcode'); sub !== undefined; sub = childElement(sub, Ns.soapEnvelope, 'Subcode')) {
    subcodes.push(resolveQName(childElement(sub, Ns.soapEnvelope, 'Value')!));
  }
  const text = childElement(childElement(fault, Ns.soapEnvelope, 'Reason'), Ns.soapEnvelope, 'Text')!;
  return {
    code: resolveQName(childElement(code, Ns.soapEnvelope, 'Value')!),
    subcodes,
    reason: { lang: attributeValue(text, 'lang', Ns.xml), text: text.text },
    detail: childElement(childElement(fault, Ns.soapEnvelope, 'Detail'), Ns.soapEnvelope, 'Text')?.text,
  };
}

const env = (local: string): QName => ({ ns: Ns.soapEnvelope, local });
const ter = (local: string): QName => ({ ns: Ns.onvifError, local });

async function expectServing(): Promise<void> {
  const answer = await post(deviceUrl, signed({ 'tds:GetDeviceInformation': '' }));
  expect(answer.status).toBe(200);
  expect(readFault(answer.xml)).toBeUndefined();
}

describe('a fake camera given bad requests', () => {
  it.each([
    ['garbage', 'this is not XML <<<'],
    ['a truncated envelope', `<env:Envelope xmlns:env="${Ns.soapEnvelope}"><env:Body><tds:GetDeviceInformation`],
    ['an entity-expanding DTD', '<!DOCTYPE x [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>'],
  ])('answers %s with env:Sender / ter:WellFormed and keeps serving', async (_, text) => {
    const before = fleet.counters(id).malformedRequests;
    const answer = await post(deviceUrl, text);
    expect(answer.status).toBe(400);
    expect(readFault(answer.xml)).toMatchObject({
      code: env('Sender'),
      subcodes: [ter('WellFormed')],
      reason: { lang: 'en', text: 'Well-formed Error' },
    });
    expect(fleet.counters(id).malformedRequests).toBe(before + 1);
    await expectServing();
  });

  it('answers XML that is not a SOAP envelope with ter:TagMismatch', async () => {
    const answer = await post(deviceUrl, '<GetDeviceInformation xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
    expect(answer.status).toBe(400);
    expect(readFault(answer.xml)).toMatchObject({ code: env('Sender'), subcodes: [ter('TagMismatch')] });
  });

  it('answers an envelope with an empty Body with ter:Tag', async () => {
    const answer = await post(deviceUrl, envelope({}));
    expect(answer.status).toBe(400);
    expect(readFault(answer.xml)).toMatchObject({ code: env('Sender'), subcodes: [ter('Tag')] });
  });

  it('answers a SOAP 1.1 envelope with env:VersionMismatch', async () => {
    const soap11 = buildSoapEnvelope({ namespaces: { env: Ns.soap11Envelope, tds: Ns.device }, body: { 'tds:GetSystemDateAndTime': '' } });
    const answer = await post(deviceUrl, soap11);
    expect(answer.status).toBe(500);
    expect(readFault(answer.xml)).toMatchObject({ code: env('VersionMismatch'), subcodes: [] });
  });

  it('answers a header block it must understand but does not with env:MustUnderstand', async () => {
    const answer = await post(
      deviceUrl,
      envelope({ 'tds:GetSystemDateAndTime': '' }, { 'x:Transaction': { '@_xmlns:x': 'urn:example:tx', '@_env:mustUnderstand': 'true', '#text': '42' } }),
    );
    expect(answer.status).toBe(500);
    expect(readFault(answer.xml)).toMatchObject({ code: env('MustUnderstand') });
  });

  it('answers an unimplemented device operation with ter:ActionNotSupported, an unknown one with ter:UnknownAction', async () => {
    const before = fleet.counters(id).requestsByAction.unknown ?? 0;
    const unsupported = await post(deviceUrl, signed({ 'tds:GetUsers': '' }));
    expect(unsupported.status).toBe(500);
    expect(readFault(unsupported.xml)).toMatchObject({ code: env('Receiver'), subcodes: [ter('ActionNotSupported')], detail: 'GetUsers' });

    const unknown = await post(deviceUrl, signed({ 'x:Explode': { '@_xmlns:x': 'urn:example:nothing' } }));
    expect(unknown.status).toBe(400);
    expect(readFault(unknown.xml)).toMatchObject({ code: env('Sender'), subcodes: [ter('UnknownAction')] });
    expect(fleet.counters(id).requestsByAction.unknown).toBe(before + 2);
    await expectServing();
  });

  it('answers a request for an unknown profile with ter:InvalidArgVal / ter:NoProfile', async () => {
    const answer = await post(mediaUrl, signed({ 'trt:GetSnapshotUri': { 'trt:ProfileToken': 'Profile_9' } }));
    expect(answer.status).toBe(400);
    expect(readFault(answer.xml)).toMatchObject({ code: env('Sender'), subcodes: [ter('InvalidArgVal'), ter('NoProfile')] });
  });

  it('refuses a request larger than any ONVIF client sends with 413', async () => {
    const answer = await post(deviceUrl, signed({ 'tds:GetDeviceInformation': { 'tds:Padding': 'x'.repeat(300 * 1024) } }));
    expect(answer.status).toBe(413);
    await expectServing();
  });

  it('answers GET on a SOAP path with 405 and an unknown path with 404', async () => {
    expect((await oneShotHttp(deviceUrl)).status).toBe(405);
    expect((await oneShotHttp(deviceUrl.replace('/onvif/device_service', '/nothing/here'))).status).toBe(404);
    expect((await oneShotHttp(fleet.cameras[0]!.snapshotUrl.replace('Profile_1', 'Profile_9'))).status).toBe(404);
  });
});

describe('a fake camera checking credentials', () => {
  it('answers GetSystemDateAndTime without credentials, with the current UTC time', async () => {
    const answer = await post(deviceUrl, envelope({ 'tds:GetSystemDateAndTime': '' }));
    expect(answer.status).toBe(200);
    const root = parseXmlTree(answer.xml);
    const utc = childElement(
      childElement(
        childElement(childElement(childElement(root, Ns.soapEnvelope, 'Body'), Ns.device, 'GetSystemDateAndTimeResponse'), Ns.device, 'SystemDateAndTime'),
        Ns.onvifSchema,
        'UTCDateTime',
      ),
      Ns.onvifSchema,
      'Date',
    );
    expect(Number(childElement(utc, Ns.onvifSchema, 'Year')?.text)).toBe(new Date().getUTCFullYear());
  });

  it('answers any other operation without credentials with env:Sender / ter:NotAuthorized and HTTP 400', async () => {
    const before = fleet.counters(id).authFailures;
    const answer = await post(deviceUrl, envelope({ 'tds:GetDeviceInformation': '' }));
    expect(answer.status).toBe(400);
    expect(readFault(answer.xml)).toMatchObject({ code: env('Sender'), subcodes: [ter('NotAuthorized')], reason: { text: 'Sender not Authorized' } });
    expect(fleet.counters(id).authFailures).toBe(before + 1);
  });

  it('refuses a digest whose Created is older than the clock tolerance', async () => {
    const before = fleet.counters(id).authFailures;
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const answer = await post(deviceUrl, signed({ 'tds:GetDeviceInformation': '' }, anHourAgo));
    expect(answer.status).toBe(400);
    const fault = readFault(answer.xml);
    expect(fault).toMatchObject({ subcodes: [ter('NotAuthorized')] });
    expect(fault?.detail).toMatch(/3600 s from the device clock/);
    expect(fleet.counters(id).authFailures).toBe(before + 1);
    await expectServing();
  });
});

describe('a fake camera told to misbehave', () => {
  it('drops every connection at drop rate 1, and serves again once cleared', async () => {
    fleet.setFault(id, { dropRate: 1 });
    const before = fleet.counters(id).droppedConnections;
    await expect(post(deviceUrl, signed({ 'tds:GetDeviceInformation': '' }))).rejects.toThrow();
    await expect(oneShotHttp(fleet.cameras[0]!.snapshotUrl)).rejects.toThrow();
    expect(fleet.counters(id).droppedConnections).toBe(before + 2);
    fleet.setFault(id, {});
    await expectServing();
  });

  it('resets every connection while offline, and serves again when back online', async () => {
    fleet.setFault(id, { offline: true });
    const before = fleet.counters(id).refusedWhileUnavailable;
    await expect(post(deviceUrl, envelope({ 'tds:GetSystemDateAndTime': '' }))).rejects.toThrow();
    await expect(oneShotHttp(fleet.cameras[0]!.snapshotUrl)).rejects.toThrow();
    expect(fleet.counters(id).refusedWhileUnavailable).toBe(before + 2);
    fleet.setFault(id, { offline: false });
    await expectServing();
  });

  it('adds the configured latency to each answer', async () => {
    fleet.setFault(id, { latencyMs: 300 });
    const started = performance.now();
    await expectServing();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('rejects fault settings out of range, naming the camera', () => {
    expect(() => fleet.setFault(id, { soapFaultRate: 1.5 })).toThrow(/cam-0: soapFaultRate 1.5/);
    expect(() => fleet.setFault('cam-9', {})).toThrow(/no camera "cam-9"/);
  });
});
