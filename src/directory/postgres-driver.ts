// postgres.js, with one fault fixed: when the server goes away in the middle of a transaction (a restart,
// a failover, `pg_ctl stop -m immediate`), postgres.js 3.4.9 still sends the transaction's ROLLBACK on the
// closed connection, and its deferred write then throws `Cannot read properties of null (reading 'write')`
// in a timer: an uncaught exception that kills the process (and, if caught, leaves that pooled connection
// unable to ever connect again). Every version up to 3.4.9 (the latest) has it.
//
// The fix, without touching node_modules: load postgres.js's CommonJS build with its Connection factory
// wrapped, so that a query handed to a connection that has closed (between its `onclose` and its next
// `onopen`) is rejected with postgres.js's own CONNECTION_CLOSED error instead of being written. Callers see
// the same error as for any query cut off by the restart; the pool reconnects as usual.
import { createRequire } from "node:module";
import { Socket } from "node:net";
import { dirname, join } from "node:path";
import type postgresType from "postgres";

type Postgres = typeof postgresType;
type Query = { reject(error: unknown): void };
type Connection = { execute(query: Query): boolean; [key: string]: unknown };
type Handlers = {
  onopen?: (c: Connection) => void;
  onend?: (c: Connection) => void;
  onclose?: (c: Connection, e: unknown) => void;
};
type ConnectionFactory = (options: unknown, queues?: unknown, handlers?: Handlers) => Connection;

const require = createRequire(import.meta.url);

function load(): Postgres {
  const indexPath = require.resolve("postgres");
  const connectionPath = join(dirname(indexPath), "connection.js");
  const { Errors } = require(join(dirname(indexPath), "errors.js")) as {
    Errors: { connection(code: string, options: unknown, socket?: unknown): Error };
  };
  const original = require(connectionPath) as ConnectionFactory;
  const wrapped: ConnectionFactory = (options, queues, handlers) => {
    // Queries may be executed from `onopen` (or a reservation, below) until the next `onclose`.
    let open = false;
    const connection = original(options, queues, {
      ...handlers,
      onopen: (c) => {
        open = true;
        handlers?.onopen?.(c);
      },
      onclose: (c, error) => {
        open = false;
        handlers?.onclose?.(c, error);
      },
    });
    // One-off connections (query cancellation) have no handlers and never go through execute.
    if (!handlers) return connection;
    // A connection (re)opened for a transaction is not announced by `onopen` but by the pool setting its
    // `reserved` callback once BEGIN has gone out: that, too, means the socket is there.
    let reserved: unknown = connection.reserved;
    Object.defineProperty(connection, "reserved", {
      configurable: true,
      enumerable: true,
      get: () => reserved,
      set: (value: unknown) => {
        reserved = value;
        if (typeof value === "function") open = true;
      },
    });
    const execute = connection.execute;
    connection.execute = (query) => {
      if (open) return execute(query);
      query.reject(Errors.connection("CONNECTION_CLOSED", options));
      return true;
    };
    return connection;
  };
  const cached = require.cache[connectionPath];
  if (!cached) throw new Error("postgres.js: connection module not in the require cache");
  cached.exports = wrapped;
  // Loaded before (not by us)? Load it again so that it picks the wrapped factory up.
  delete require.cache[indexPath];
  return require(indexPath) as Postgres;
}

const postgres: Postgres = load();
export default postgres;

interface SocketTarget {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * postgres.js's `socket` option: the same connection it would open itself, with Nagle's algorithm off.
 * postgres.js writes a query as several small packets right after a COPY or a batch of results; with
 * Nagle on, the last one waited for the server's delayed ACK — a 40 ms stall, twice per batch
 * transaction (a 50,000-row update: 8.6 s → 7.4 s without it). The socket is returned while it
 * connects (postgres.js's writes wait for the connection, and its connect timeout and error handling
 * apply as usual); hosts of a multi-host URL are tried in turn, like postgres.js does.
 */
export function noDelaySocket(): (options: SocketTarget) => Socket {
  let next = 0;
  return (options) => {
    const socket = new Socket();
    socket.setNoDelay(true);
    if (options.path) {
      socket.connect(options.path);
      return socket;
    }
    const i = next++ % options.host.length;
    const host = options.host[i]!;
    const port = options.port[i] ?? options.port[0]!;
    Object.assign(socket, { host, port });
    socket.connect(port, host);
    return socket;
  };
}
