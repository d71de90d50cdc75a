import { Socket } from "node:net";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openDatabase, queryRows } from "./client.ts";
import { noDelaySocket } from "./postgres-driver.ts";

describe("noDelaySocket", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("opens the connection postgres.js would, with Nagle's algorithm off, hosts in turn", () => {
    const noDelay = vi.spyOn(Socket.prototype, "setNoDelay");
    const connect = vi.spyOn(Socket.prototype, "connect").mockImplementation(function (this: Socket) {
      return this;
    });
    const open = noDelaySocket();
    const target = { host: ["db1", "db2"], port: [5432, 5433] };
    const first = open(target);
    const second = open(target);
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(connect.mock.calls.map((call) => call.slice(0, 2))).toEqual([
      [5432, "db1"],
      [5433, "db2"],
    ]);
    expect((first as Socket & { host: string }).host).toBe("db1");
    expect((second as Socket & { host: string }).host).toBe("db2");
    open({ host: ["/run/postgresql"], port: [5432], path: "/run/postgresql/.s.PGSQL.5432" });
    expect(connect.mock.calls[2]![0]).toBe("/run/postgresql/.s.PGSQL.5432");
  });

  it.runIf(process.env.TEST_DATABASE_URL)("carries real queries", async () => {
    const noDelay = vi.spyOn(Socket.prototype, "setNoDelay");
    const handle = await openDatabase(process.env.TEST_DATABASE_URL!, { migrate: false });
    try {
      const [row] = await queryRows<{ n: number }>(handle.db, sql`select 41 + 1 as n`);
      expect(Number(row!.n)).toBe(42);
      expect(noDelay).toHaveBeenCalledWith(true);
    } finally {
      await handle.close();
    }
  });
});
