import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";

it("writes every byte, in order, through a pipe that fills up", () => {
  // A child writes 8 MB in 64 KB pieces through synchronousWriter(1); the pipe (64 KB) fills at once.
  const script = `
    const { synchronousWriter } = await import(${JSON.stringify(new URL("./stdout.ts", import.meta.url).href)});
    const write = synchronousWriter(1);
    for (let i = 0; i < 128; i++) write(String(i % 10).repeat(65536));
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(child.stderr).toBe("");
  expect(child.stdout.length).toBe(128 * 65536);
  for (let i = 0; i < 128; i++) expect(child.stdout[i * 65536]).toBe(String(i % 10));
});
