/**
 * Who a fake camera says it is: manufacturer, model, serial, firmware, its WS-Discovery endpoint
 * UUID and scopes — drawn with faker from (seed, camera index), so a fleet started twice with the
 * same seed describes the same cameras.
 */
import { Faker, en } from '@faker-js/faker';

export interface DeviceIdentity {
  readonly manufacturer: string;
  readonly model: string;
  readonly firmwareVersion: string;
  readonly serialNumber: string;
  readonly hardwareId: string;
  /** WS-Discovery endpoint reference, stable across reboots: urn:uuid:… */
  readonly endpointAddress: string;
  readonly hostname: string;
  readonly location: string;
}

const BRAND_SUFFIXES = ['Vision', 'Optics', 'Imaging', 'Security', 'Systems', 'Video'] as const;
const MODEL_SUFFIXES = ['', 'E', 'P', 'HD', 'IR'] as const;

const faker = new Faker({ locale: [en] });

export function seededDeviceIdentity(seed: number, index: number, hostname: string): DeviceIdentity {
  faker.seed([seed, index]);
  const brand = faker.person.lastName();
  return {
    manufacturer: `${brand} ${faker.helpers.arrayElement(BRAND_SUFFIXES)}`,
    model: `${faker.string.alpha({ length: 2, casing: 'upper' })}-${faker.string.numeric(4)}${faker.helpers.arrayElement(MODEL_SUFFIXES)}`,
    firmwareVersion: `${faker.system.semver()}-build${faker.string.numeric(6)}`,
    serialNumber: faker.string.alphanumeric({ length: 12, casing: 'upper' }),
    hardwareId: faker.string.hexadecimal({ length: 8, casing: 'upper', prefix: '' }),
    endpointAddress: `urn:uuid:${faker.string.uuid()}`,
    hostname,
    location: faker.location.city(),
  };
}

/** ONVIF scope URIs (onvif://www.onvif.org/…) for GetScopes and WS-Discovery ProbeMatches. */
export function onvifScopes(identity: DeviceIdentity): string[] {
  const item = (kind: string, value: string) => `onvif://www.onvif.org/${kind}/${encodeURIComponent(value)}`;
  return [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    item('hardware', identity.model),
    item('name', identity.hostname),
    item('location/city', identity.location),
  ];
}
