/**
 * The KubeEdge beehive message envelope as it crosses the CloudHub WebSocket
 * (staging/src/github.com/kubeedge/beehive/pkg/core/model/message.go).
 * Field names are the wire names; optional fields are omitted on the wire when empty.
 */

export interface MessageHeader {
  msg_id: string;
  parent_msg_id?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Downstream only: the object's Kubernetes resourceVersion. */
  resourceversion?: string;
  sync?: boolean;
  type?: string;
}

export interface MessageRoute {
  source?: string;
  destination?: string;
  group?: string;
  operation?: string;
  resource?: string;
}

export interface Message {
  header: MessageHeader;
  route: MessageRoute;
  /** An object, a JSON text inside a string, a plain string ("OK", "ping"), or null. */
  content: unknown;
}

/** Operations used on the wire. */
export const Op = {
  Insert: 'insert',
  Update: 'update',
  Delete: 'delete',
  Query: 'query',
  Patch: 'patch',
  Response: 'response',
  Error: 'error',
  Keepalive: 'keepalive',
} as const;

/** The edge's own module names, as they appear in `route.source` / `route.group`. */
export const EdgeModule = {
  Hub: 'websocket',
  Edged: 'edged',
  Meta: 'meta',
  Twin: 'twin',
} as const;

/** Cloud module names, as they appear in `route.source`. */
export const CloudModule = {
  EdgeController: 'edgecontroller',
  DeviceController: 'devicecontroller',
  SyncController: 'synccontroller',
  TaskManager: 'taskmanager',
} as const;

export const DEFAULT_PROJECT_ID = 'e632aba927ea4ac2b575ec1603d56f10';
