// A local WebSocket server speaking Slack's Socket Mode protocol, for the app's real SocketModeReceiver:
// the app asks the fake Web API's apps.connections.open for this server's URL, connects, gets `hello`, then
// receives envelopes (`slash_commands`, `interactive`, `events_api`) and must acknowledge each one by sending
// back `{envelope_id, payload}` (the payload is the ack's response, e.g. a view_submission's response_action).
// `drop()` cuts every socket without a close handshake, as a network failure or a Slack restart would.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export interface Ack {
  envelope_id: string;
  /** What the app acknowledged with (`{}` for a bare ack). */
  payload: Record<string, unknown>;
}

export interface FakeSocketModeServer {
  /** `ws://127.0.0.1:port/link/?ticket=…`: what apps.connections.open answers. */
  url: string;
  /** Connections accepted so far (a reconnect adds one). */
  readonly connections: number;
  /** Sockets open now. */
  readonly open: number;
  /** Every acknowledgement received, in order. */
  acks: Ack[];
  /** Sends an envelope on the newest open socket; resolves with the app's ack (rejects after `timeoutMs`). */
  deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options?: { timeoutMs?: number; retryAttempt?: number; retryReason?: string },
  ): Promise<Ack>;
  /** Terminates every open socket (no close frame). */
  drop(): void;
  close(): Promise<void>;
}

export async function startFakeSocketModeServer(appId = "A0BULK"): Promise<FakeSocketModeServer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const sockets: WebSocket[] = [];
  const waiting = new Map<string, (ack: Ack) => void>();
  let connections = 0;

  const fake: FakeSocketModeServer = {
    url: `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}&app_id=${appId}`,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.filter((s) => s.readyState === s.OPEN).length;
    },
    acks: [],
    deliver(type, payload, options = {}) {
      const socket = [...sockets].reverse().find((s) => s.readyState === s.OPEN);
      if (!socket) return Promise.reject(new Error("no open Socket Mode connection"));
      const envelopeId = randomUUID();
      const envelope: Record<string, unknown> = {
        envelope_id: envelopeId,
        type,
        payload,
        // Slack accepts a response payload on the ack of commands and interactions, not of events.
        accepts_response_payload: type !== "events_api",
      };
      if (type === "events_api") {
        envelope.retry_attempt = options.retryAttempt ?? 0;
        envelope.retry_reason = options.retryReason ?? "";
      }
      return new Promise<Ack>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          reject(new Error(`no ack for ${type} envelope ${envelopeId}`));
        }, options.timeoutMs ?? 10_000);
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
        socket.send(JSON.stringify(envelope));
      });
    },
    drop() {
      for (const socket of sockets) socket.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };

  server.on("connection", (socket) => {
    connections += 1;
    sockets.push(socket);
    socket.on("close", () => sockets.splice(sockets.indexOf(socket), 1));
    socket.on("message", (data) => {
      let message: { envelope_id?: unknown; payload?: unknown };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (typeof message.envelope_id !== "string") return;
      const ack: Ack = {
        envelope_id: message.envelope_id,
        payload: (message.payload ?? {}) as Record<string, unknown>,
      };
      fake.acks.push(ack);
      waiting.get(ack.envelope_id)?.(ack);
      waiting.delete(ack.envelope_id);
    });
    socket.send(
      JSON.stringify({
        type: "hello",
        num_connections: sockets.length,
        debug_info: { host: "fake-socket-mode", approximate_connection_time: 18060 },
        connection_info: { app_id: appId },
      }),
    );
  });
  return fake;
}
