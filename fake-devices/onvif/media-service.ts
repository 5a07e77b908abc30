/**
 * The ONVIF media service (trt, Media 1 / Profile S): profiles, video sources, stream and
 * snapshot URIs. Stream URIs name an RTSP address nothing serves; snapshot URIs are real.
 */
import { Ns } from '../../sim/protocol/devices/onvif-namespaces.js';
import type { XmlObject } from '../../sim/protocol/devices/soap-builder.js';
import { findProfile, MEDIA_PROFILES, VIDEO_SOURCE, type MediaProfileSpec } from './media-profiles.js';
import type { SoapAction } from './soap-action.js';
import { SoapFaults } from './soap-fault.js';
import { childElement, childText, type XmlElement } from './xml-tree.js';

const STREAM_TYPES = new Set(['RTP-Unicast']);
const TRANSPORT_PROTOCOLS = new Set(['UDP', 'TCP', 'RTSP', 'HTTP']);

function profileElement(profile: MediaProfileSpec): XmlObject {
  return {
    '@_token': profile.token,
    '@_fixed': 'true',
    'tt:Name': profile.name,
    'tt:VideoSourceConfiguration': {
      '@_token': VIDEO_SOURCE.configurationToken,
      'tt:Name': 'VideoSourceConfig',
      'tt:UseCount': MEDIA_PROFILES.length,
      'tt:SourceToken': VIDEO_SOURCE.token,
      'tt:Bounds': { '@_x': '0', '@_y': '0', '@_width': String(VIDEO_SOURCE.width), '@_height': String(VIDEO_SOURCE.height) },
    },
    'tt:VideoEncoderConfiguration': {
      '@_token': profile.encoderToken,
      'tt:Name': `${profile.name}Encoder`,
      'tt:UseCount': 1,
      'tt:Encoding': profile.encoding,
      'tt:Resolution': { 'tt:Width': profile.width, 'tt:Height': profile.height },
      'tt:Quality': 5,
      'tt:RateControl': { 'tt:FrameRateLimit': profile.framerate, 'tt:EncodingInterval': 1, 'tt:BitrateLimit': profile.bitrateKbps },
      'tt:H264': { 'tt:GovLength': profile.govLength, 'tt:H264Profile': 'Main' },
      'tt:Multicast': {
        'tt:Address': { 'tt:Type': 'IPv4', 'tt:IPv4Address': '0.0.0.0' },
        'tt:Port': 0,
        'tt:TTL': 0,
        'tt:AutoStart': 'false',
      },
      'tt:SessionTimeout': 'PT60S',
    },
  };
}

function mediaUri(uri: string): XmlObject {
  return { 'tt:Uri': uri, 'tt:InvalidAfterConnect': 'false', 'tt:InvalidAfterReboot': 'false', 'tt:Timeout': 'PT0S' };
}

function requestedProfile(request: XmlElement): MediaProfileSpec {
  const token = childText(request, Ns.media, 'ProfileToken') ?? '';
  const profile = findProfile(token);
  if (profile === undefined) throw SoapFaults.noProfile(token);
  return profile;
}

const getProfiles: SoapAction = {
  namespace: Ns.media,
  name: 'GetProfiles',
  handle: () => ({ 'trt:GetProfilesResponse': { 'trt:Profiles': MEDIA_PROFILES.map(profileElement) } }),
};

const getProfile: SoapAction = {
  namespace: Ns.media,
  name: 'GetProfile',
  handle: (request) => ({ 'trt:GetProfileResponse': { 'trt:Profile': profileElement(requestedProfile(request)) } }),
};

const getVideoSources: SoapAction = {
  namespace: Ns.media,
  name: 'GetVideoSources',
  handle: () => ({
    'trt:GetVideoSourcesResponse': {
      'trt:VideoSources': {
        '@_token': VIDEO_SOURCE.token,
        'tt:Framerate': VIDEO_SOURCE.framerate,
        'tt:Resolution': { 'tt:Width': VIDEO_SOURCE.width, 'tt:Height': VIDEO_SOURCE.height },
      },
    },
  }),
};

const getStreamUri: SoapAction = {
  namespace: Ns.media,
  name: 'GetStreamUri',
  handle: (request, { endpoints }) => {
    const setup = childElement(request, Ns.media, 'StreamSetup');
    const stream = childText(setup, Ns.onvifSchema, 'Stream');
    const protocol = childText(childElement(setup, Ns.onvifSchema, 'Transport'), Ns.onvifSchema, 'Protocol');
    if (stream === undefined || protocol === undefined) throw SoapFaults.invalidArgVal('ter:InvalidStreamSetup', 'StreamSetup needs tt:Stream and tt:Transport/tt:Protocol');
    if (!STREAM_TYPES.has(stream)) throw SoapFaults.invalidArgVal('ter:InvalidStreamSetup', `stream type ${JSON.stringify(stream)} is not supported`);
    if (!TRANSPORT_PROTOCOLS.has(protocol)) throw SoapFaults.invalidArgVal('ter:InvalidStreamSetup', `transport protocol ${JSON.stringify(protocol)} is not supported`);
    const profile = requestedProfile(request);
    return { 'trt:GetStreamUriResponse': { 'trt:MediaUri': mediaUri(endpoints.streamUri(profile.token)) } };
  },
};

const getSnapshotUri: SoapAction = {
  namespace: Ns.media,
  name: 'GetSnapshotUri',
  handle: (request, { endpoints }) => {
    const profile = requestedProfile(request);
    return { 'trt:GetSnapshotUriResponse': { 'trt:MediaUri': mediaUri(endpoints.snapshotUri(profile.token)) } };
  },
};

export const MEDIA_ACTIONS: readonly SoapAction[] = [getProfiles, getProfile, getVideoSources, getStreamUri, getSnapshotUri];
