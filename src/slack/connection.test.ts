import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createSlackStatus, slackFetch, superviseSlack } from "./connection.ts";

function capture() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { lines, logger };
}

describe("Slack status", () => {
  it("logs once per change of state, whatever the number of calls", () => {
    const { lines, logger } = capture();
    const status = createSlackStatus(logger);
    for (let i = 0; i < 5; i++) status.report(false, "ECONNREFUSED");
    for (let i = 0; i < 5; i++) status.report(true);
    status.report(false, "HTTP 503");
    expect(lines.map((l) => l.msg.split(" (")[0]?.split(":")[0])).toEqual([
      "Slack is unreachable",
      "Slack is reachable",
      "Slack is unreachable",
    ]);
    expect(status).toMatchObject({ state: "down", error: "HTTP 503" });
  });

  it("the fetch wrapper counts failed calls by method and leaves answers as they are", async () => {
    const status = createSlackStatus();
    const counted: Array<{ method: string; error: string }> = [];
    const answers: Record<string, () => Promise<Response>> = {
      "chat.postMessage": async () => Response.json({ ok: false, error: "not_in_channel" }),
      "auth.test": async () => Response.json({ ok: true }),
      "chat.update": async () => new Response("oops", { status: 502 }),
      "files.info": async () => {
        throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
      },
    };
    const fetch = slackFetch(status, { inc: (labels) => counted.push(labels) }, async (input) => {
      const method = String(input).split("/api/")[1]!;
      return answers[method]!();
    });
    expect(await (await fetch("https://slack.test/api/chat.postMessage")).json()).toEqual({
      ok: false,
      error: "not_in_channel",
    });
    expect(status.state).toBe("up");
    expect((await fetch("https://slack.test/api/chat.update")).status).toBe(502);
    expect(status.state).toBe("down");
    await fetch("https://slack.test/api/auth.test");
    expect(status.state).toBe("up");
    await expect(fetch("https://slack.test/api/files.info")).rejects.toThrow("fetch failed");
    expect(status).toMatchObject({ state: "down", error: "ECONNREFUSED" });
    expect(counted).toEqual([
      { method: "chat.postMessage", error: "not_in_channel" },
      { method: "chat.update", error: "http_502" },
      { method: "files.info", error: "ECONNREFUSED" },
    ]);
  });

  it("the supervisor retries the start until it succeeds, then runs onUp; a refused token is logged once", async () => {
    const { lines, logger } = capture();
    const status = createSlackStatus(logger);
    let attempts = 0;
    let ups = 0;
    const supervisor = superviseSlack(
      {
        start: async () => {
          attempts += 1;
          if (attempts < 4) throw Object.assign(new Error("x"), { data: { error: "invalid_auth" } });
        },
        probe: async () => undefined,
      },
      status,
      {
        logger,
        baseMs: 1,
        maxMs: 5,
        onUp: () => {
          ups += 1;
        },
      },
    );
    await supervisor.up;
    supervisor.stop();
    expect(attempts).toBe(4);
    expect(ups).toBe(1);
    expect(status.state).toBe("up");
    expect(lines.filter((l) => l.msg.startsWith("Slack refuses the token (invalid_auth)"))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith("Slack is unreachable"))).toHaveLength(1);
  });
});
