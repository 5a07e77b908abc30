import { describe, expect, it } from 'vitest';
import { onvifScopes, seededDeviceIdentity } from './device-identity.js';

describe('seededDeviceIdentity', () => {
  it('gives the same camera the same identity for the same seed, and different ones otherwise', () => {
    const a = seededDeviceIdentity(42, 3, 'cam-3');
    expect(seededDeviceIdentity(42, 3, 'cam-3')).toEqual(a);
    expect(seededDeviceIdentity(42, 4, 'cam-4').serialNumber).not.toBe(a.serialNumber);
    expect(seededDeviceIdentity(43, 3, 'cam-3').serialNumber).not.toBe(a.serialNumber);
    expect(a.serialNumber).toMatch(/^[A-Z0-9]{12}$/);
    expect(a.endpointAddress).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('names the camera and its model in its scopes as URIs', () => {
    const identity = seededDeviceIdentity(1, 0, 'cam-0');
    const scopes = onvifScopes(identity);
    expect(scopes).toContain('onvif://www.onvif.org/name/cam-0');
    expect(scopes).toContain(`onvif://www.onvif.org/hardware/${encodeURIComponent(identity.model)}`);
    for (const scope of scopes) expect(() => new URL(scope)).not.toThrow();
  });
});
