// Loaded with `node --import` into each CLI process the bench starts: at exit it writes the process's peak
// resident set size (KiB) to stderr, so the bench measures the whole CLI process without external tools.
import { writeSync } from "node:fs";

process.on("exit", () => {
  writeSync(2, `\nBENCH_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
