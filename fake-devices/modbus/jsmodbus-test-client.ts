/**
 * Test support: an independent Modbus TCP client (jsmodbus, not the library the devices are built
 * on) over a real socket, plus the helpers tests need to see exception codes and closed
 * connections the way a client does.
 */
import net from 'node:net';
import { client as modbusClient, type ModbusTCPClient } from 'jsmodbus';

export interface TestClient {
  readonly modbus: ModbusTCPClient;
  readonly socket: net.Socket;
  /** Resolves when the server (or anyone) closes the connection. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

export async function connectClient(host: string, port: number, unitId = 1, timeoutMs = 3000): Promise<TestClient> {
  const socket = new net.Socket();
  const modbus = new modbusClient.TCP(socket, unitId, timeoutMs);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host, port }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A server-side close makes jsmodbus reject the pending request; the socket error itself is expected.
  socket.on('error', () => undefined);
  return {
    modbus,
    socket,
    closed,
    close: async () => {
      if (!socket.destroyed) socket.end();
      socket.destroy();
      await closed;
    },
  };
}

/** The exception code a request was answered with; fails if it was answered normally or not at all. */
export async function exceptionCode(request: Promise<unknown>): Promise<number> {
  try {
    await request;
  } catch (e) {
    const err = e as { err?: string; response?: { body?: { code?: number } }; message?: string };
    if (err.err === 'ModbusException' && typeof err.response?.body?.code === 'number') return err.response.body.code;
    throw new Error(`expected a Modbus exception response, got ${err.err ?? ''} ${err.message ?? String(e)}`);
  }
  throw new Error('expected a Modbus exception response, got a normal answer');
}

export async function readWords(c: TestClient, table: 'holding' | 'input', address: number, count: number): Promise<number[]> {
  const r = table === 'holding' ? await c.modbus.readHoldingRegisters(address, count) : await c.modbus.readInputRegisters(address, count);
  return [...(r.response.body.valuesAsArray as number[])];
}

export async function readBits(c: TestClient, table: 'coils' | 'discrete', address: number, count: number): Promise<boolean[]> {
  const r = table === 'coils' ? await c.modbus.readCoils(address, count) : await c.modbus.readDiscreteInputs(address, count);
  return [...(r.response.body.valuesAsArray as Array<number | boolean>)].slice(0, count).map((v) => v === 1 || v === true);
}
