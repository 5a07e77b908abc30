/**
 * What a SOAP operation handler sees and returns. Each ONVIF service (device, media) is a list of
 * actions; a camera looks an incoming operation up by namespace URI and local name.
 */
import type { XmlObject } from '../../sim/protocol/devices/soap-builder.js';
import type { DeviceIdentity } from './device-identity.js';
import type { XmlElement } from './xml-tree.js';

/** Where a camera's services and media live, as clients must be told. */
export interface CameraEndpoints {
  readonly deviceXAddr: string;
  readonly mediaXAddr: string;
  /** Device I/O operations (SystemReboot, as the onvif client sends it) share the device service's address. */
  readonly deviceIoXAddr: string;
  snapshotUri(profileToken: string): string;
  streamUri(profileToken: string): string;
}

export interface CameraServiceContext {
  readonly identity: DeviceIdentity;
  readonly scopes: readonly string[];
  readonly endpoints: CameraEndpoints;
  /** How long a reboot keeps the camera unavailable. */
  readonly rebootMs: number;
  now(): Date;
  /** Takes the camera off the wire for rebootMs; the request asking for it is still answered. */
  beginReboot(): void;
}

export interface SoapAction {
  readonly namespace: string;
  readonly name: string;
  /** Answered without credentials. */
  readonly anonymous?: boolean;
  /** Returns the contents of env:Body; throws a SoapFault to answer with a fault instead. */
  handle(request: XmlElement, context: CameraServiceContext): XmlObject;
}

export class ActionTable {
  private readonly byKey = new Map<string, SoapAction>();
  private readonly namespaces = new Set<string>();

  /** `advertisedNamespaces`: services the camera lists without implementing every operation of. */
  constructor(actions: readonly SoapAction[], advertisedNamespaces: readonly string[] = []) {
    for (const action of actions) {
      this.byKey.set(ActionTable.key(action.namespace, action.name), action);
      this.namespaces.add(action.namespace);
    }
    for (const namespace of advertisedNamespaces) this.namespaces.add(namespace);
  }

  find(namespace: string, name: string): SoapAction | undefined {
    return this.byKey.get(ActionTable.key(namespace, name));
  }

  /** True for a service the camera offers, where a missing operation is an optional action not implemented. */
  servesNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  private static key(namespace: string, name: string): string {
    return `{${namespace}}${name}`;
  }
}
