import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

// The project logger is silent under vitest; these tests look at what an operator would see.
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.VITEST;
  delete process.env.VITEST;
});
afterEach(() => {
  process.env.VITEST = saved;
});

function sink() {
  const out: string[] = [];
  return { out, destination: { write: (line: string) => void out.push(line) } };
}

describe("logger", () => {
  it("json: one object per line, ISO 8601 time, secrets redacted", () => {
    const { out, destination } = sink();
    createLogger("info", { destination, format: "json" }).info({ token: "xoxb-secret" }, "hello");
    const line = JSON.parse(out.join(""));
    expect(line).toMatchObject({ msg: "hello", token: "[redacted]" });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("pretty (and auto on a terminal): a readable line with the level and the message", () => {
    const { out, destination } = sink();
    createLogger("info", { destination, format: "auto", isTTY: true }).warn(
      { jobId: "job_1" },
      "job stalled",
    );
    const text = out.join("").replace(/\u001b\[[0-9;]*m/g, "");
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] WARN: job stalled/);
    expect(text).toContain('"jobId":"job_1"');
    expect(() => JSON.parse(text)).toThrow();
  });

  it("auto without a terminal is JSON", () => {
    const { out, destination } = sink();
    createLogger("info", { destination, format: "auto", isTTY: false }).info("plain");
    expect(JSON.parse(out.join("")).msg).toBe("plain");
  });
});
