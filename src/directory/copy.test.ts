import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { describeEachDatabase, queryRows } from "../../test/support/db.ts";
import { type Database, openDatabase } from "./client.ts";
import { type CopyValue, copyBytes, copyField, copyIn, stage, unlessKeyConflict } from "./copy.ts";

it("writes COPY text: tabs, line breaks and backslashes escaped, null as \\N", () => {
  expect(copyField("a\tb\nc\rd\\e")).toBe("a\\tb\\nc\\rd\\\\e");
  expect(copyField(null)).toBe("\\N");
  expect(copyField(undefined)).toBe("\\N");
  expect(copyField(true)).toBe("true");
  expect(copyField(42)).toBe("42");
  const text = (rows: CopyValue[][]) => copyBytes(rows).toString("utf8");
  expect(
    text([
      ["x", null, undefined],
      ["\\N", "", 42, true],
    ]),
  ).toBe("x\t\\N\t\\N\n\\\\N\t\t42\ttrue\n");
  // Every value as copyField writes it, whether it is short and ASCII (written a character at a time) or
  // not (written by the UTF-8 encoder), and lines much longer than the buffer it starts with.
  const values = [
    "a\tb\nc\rd\\e",
    "Zoë\tÜnï\\cødé 日本 🙂\n",
    "plain",
    // Longer than SHORT_VALUE: written by the encoder, escaped by copyField.
    "a tab\there, a line\nbreak, a CR\r and a back\\slash",
    "x".repeat(300_000),
    "é".repeat(100_000),
  ];
  for (const value of values)
    expect(text([[value, value]])).toBe(`${copyField(value)}\t${copyField(value)}\n`);
  expect(text([values, values])).toBe(`${values.map(copyField).join("\t")}\n`.repeat(2));
});

describeEachDatabase("COPY", (ctx) => {
  it("stores every value exactly as given, whatever it holds", async () => {
    const awkward = [
      ["tab@example.com", "Tab\there", null],
      ["lines@example.com", "Line\nbreak\r\nand CR", "back\\slash \\N not null"],
      ["unicode@example.com", "Zoë Ünïcødé 日本 🙂", '{"quoted": "json"}'],
      ["empty@example.com", "", ""],
    ] as const;
    await copyIn(ctx.handle.db, "users", ["email", "display_name", "department"], awkward);
    const rows = await queryRows<{ email: string; display_name: string; department: string | null }>(
      ctx.handle.db,
      sql`select email, display_name, department from users order by email`,
    );
    expect(rows).toEqual(
      [...awkward]
        .map(([email, display_name, department]) => ({ email, display_name, department }))
        .sort((a, b) => a.email.localeCompare(b.email)),
    );
  });

  it("stages a batch for the statement that follows, and starts empty in the next transaction", async () => {
    const table = {
      name: "test_stage",
      columns: [
        ["n", "int"],
        ["label", "text"],
      ] as const,
    };
    const counted = async (values: [number, string][]) =>
      ctx.handle.db.transaction(async (tx) => {
        await stage(tx, table, values);
        const [row] = await queryRows<{ n: number; total: number }>(
          tx,
          sql`select count(*)::int as n, coalesce(sum(n), 0)::int as total from test_stage`,
        );
        return row;
      });
    expect(
      await counted([
        [1, "a"],
        [2, "b"],
      ]),
    ).toEqual({ n: 2, total: 3 });
    expect(await counted([[40, "c"]])).toEqual({ n: 1, total: 40 });
  });

  it("a COPY the server rejects half-way rejects, rolls the transaction back and frees its connection", async () => {
    // One connection only (PGlite has one anyway): a COPY that never settled, or kept its connection,
    // would leave the queries below waiting for ever.
    const single =
      ctx.kind === "postgres"
        ? await openDatabase(ctx.handle.url, { migrate: false, maxConnections: 1 })
        : ctx.handle;
    const db: Database = single.db;
    try {
      const rows = Array.from({ length: 3000 }, (_, i) => [`user${i}@example.com`, `User ${i}`]);
      rows[2500] = ["user7@example.com", "Duplicate of an earlier row"];
      const failed = await db
        .transaction(async (tx) => {
          await tx.execute(
            sql`insert into users (email, display_name) values ('before@example.com', 'Before')`,
          );
          await copyIn(tx, "users", ["email", "display_name"], rows);
          return null;
        })
        .catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Error);
      expect(String((failed as Error).message)).toMatch(/duplicate key/);
      const [count] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from users`);
      expect(count?.n).toBe(0);

      await expect(
        copyIn(db, "users", ["email", "display_name"], [["after@example.com", "After"]]),
      ).resolves.toBeUndefined();
      const after = await queryRows<{ email: string }>(db, sql`select email from users`);
      expect(after).toEqual([{ email: "after@example.com" }]);
    } finally {
      if (single !== ctx.handle) await single.close();
    }
  });

  it("a COPY refused for a key under unlessKeyConflict leaves nothing of itself; the transaction goes on", async () => {
    const copying = (tx: Database, rows: string[][]) => () =>
      copyIn(tx, "users", ["email", "display_name"], rows);
    const result = await ctx.handle.db.transaction(async (tx) => {
      const db = tx as unknown as Database;
      await tx.execute(sql`insert into users (email, display_name) values ('kept@example.com', 'Kept')`);
      const clean = await unlessKeyConflict(tx, copying(db, [["one@example.com", "One"]]));
      // A duplicate after 2,000 good rows: the whole COPY goes, and nothing before it.
      const rows = Array.from({ length: 2001 }, (_, i) => [`many${i}@example.com`, `Many ${i}`]);
      rows[2000] = ["one@example.com", "Again"];
      const conflicted = await unlessKeyConflict(tx, copying(db, rows));
      return { clean, conflicted };
    });
    expect(result).toEqual({ clean: true, conflicted: false });
    const emails = await queryRows<{ email: string }>(
      ctx.handle.db,
      sql`select email from users order by email`,
    );
    expect(emails.map((r) => r.email)).toEqual(["kept@example.com", "one@example.com"]);

    // A row refused for anything but a key (e-mails are stored in lower case) is an error, not a "no".
    const invalid = await ctx.handle.db
      .transaction((tx) =>
        unlessKeyConflict(tx, copying(tx as unknown as Database, [["Upper@example.com", "Upper"]])),
      )
      .catch((error: unknown) => error);
    expect(String((invalid as Error).message)).toMatch(/users_email_lower/);
  });

  it("COPYs text built piece by piece as it is written: every row once; a late failure rolls back", async () => {
    // 30,000 rows (~3 MB): more than a socket takes at once, so later pieces wait for the earlier ones
    // on PostgreSQL; on PGlite, two COPYs of ~2 MB in the one transaction (the duplicate is in the second).
    const rows = function* (count: number, duplicateAt = -1) {
      for (let i = 0; i < count; i++) {
        const n = i === duplicateAt ? 3 : i;
        yield [`piece${n}@example.com`, `Piece ${n} ${"x".repeat(60)}`] as const;
      }
    };
    // On one connection: a failed COPY that kept it, or never settled, would hang what follows.
    const single =
      ctx.kind === "postgres"
        ? await openDatabase(ctx.handle.url, { migrate: false, maxConnections: 1 })
        : ctx.handle;
    try {
      const failed = await single.db
        .transaction(async (tx) => {
          await copyIn(tx, "users", ["email", "display_name"], rows(30_000, 29_000));
        })
        .catch((error: unknown) => error);
      expect(String((failed as Error).message)).toMatch(/duplicate key/);
      const [none] = await queryRows<{ n: number }>(single.db, sql`select count(*)::int as n from users`);
      expect(none?.n).toBe(0);
    } finally {
      if (single !== ctx.handle) await single.close();
    }

    await copyIn(ctx.handle.db, "users", ["email", "display_name"], rows(30_000));
    // Every row exactly once: 30,000 distinct e-mails whose numbers add up to 0 + 1 + … + 29,999.
    const [stored] = await queryRows<{ n: number; total: string }>(
      ctx.handle.db,
      sql`select count(distinct email)::int as n,
        sum(substring(email from 'piece([0-9]+)@')::int)::text as total from users`,
    );
    expect(stored).toEqual({ n: 30_000, total: String((30_000 * 29_999) / 2) });
  });

  it("rows that cannot be built half-way abandon the COPY: the error comes back, nothing is kept, the connection is free", async () => {
    const single =
      ctx.kind === "postgres"
        ? await openDatabase(ctx.handle.url, { migrate: false, maxConnections: 1 })
        : ctx.handle;
    try {
      const rows = function* () {
        for (let i = 0; i < 30_000; i++) {
          if (i === 20_000) throw new Error("row 20000 cannot be built");
          yield [`broken${i}@example.com`, `Broken ${i} ${"x".repeat(20)}`] as const;
        }
      };
      const failed = await single.db
        .transaction(async (tx) => {
          await copyIn(tx, "users", ["email", "display_name"], rows());
        })
        .catch((error: unknown) => error);
      expect((failed as Error).message).toBe("row 20000 cannot be built");
      const [none] = await queryRows<{ n: number }>(single.db, sql`select count(*)::int as n from users`);
      expect(none?.n).toBe(0);
    } finally {
      if (single !== ctx.handle) await single.close();
    }
  });

  it("a COPY into a table that does not exist rejects with the server's message", async () => {
    await expect(copyIn(ctx.handle.db, "no_such_table", ["a"], [["1"]])).rejects.toThrow(/no_such_table/);
    const [row] = await queryRows<{ ok: number }>(ctx.handle.db, sql`select 1 as ok`);
    expect(row?.ok).toBe(1);
  });
});
