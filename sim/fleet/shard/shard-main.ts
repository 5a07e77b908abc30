/**
 * Entry of a shard process forked by the fleet controller: the shard service on the IPC channel.
 * It stops on request, on SIGTERM or when the controller goes away.
 */
import { ipcPort } from '../channel/shard-port.js';
import { serveShard } from './shard-service.js';

const service = serveShard(ipcPort());

// The controller handles SIGINT for the whole fleet; a shard only stops when told, or when orphaned.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void service.stop(false));
