/**
 * Fake Modbus devices as an end-to-end test checks them: the twin value a mapper must report for
 * a point of a device right now, from the words the device serves.
 */
import { mapperTwinValue } from '../../../fake-devices/modbus/kubeedge-mapper-view.js';
import type { ModbusFleet } from '../../../fake-devices/modbus/modbus-fleet.js';

export function expectedTwin(fleet: ModbusFleet, deviceId: string, point: string): string {
  const def = fleet.profile.points.find((p) => p.name === point);
  if (!def) throw new Error(`the fleet's profile has no point ${point}`);
  return mapperTwinValue(def, fleet.device(deviceId).words(point));
}
