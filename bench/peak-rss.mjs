// Loaded with `node --import` into each CLI process the bench starts: at exit it writes the process's peak
// resident set size (KiB) and the CPU time it used (ms, user + system) to stderr, so the bench measures the
// whole CLI process without external tools.
import { writeSync } from "node:fs";

process.on("exit", () => {
  const usage = process.resourceUsage();
  const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
  writeSync(2, `\nBENCH_PEAK_RSS_KB=${usage.maxRSS}\nBENCH_CPU_MS=${cpuMs}\n`);
});
