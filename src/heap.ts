// Imported first by both entries (src/cli.ts, src/main.ts). V8 sets the next full collection's threshold
// as a multiple of what the last one found alive — up to 4× when collections are quick. Planning a
// 150,000-row file briefly holds ~250 MB; with the default factor the next full collection then waited
// until ~1 GB of garbage from the batches had piled up (peak RSS 1.3 GB, live heap 44 MB). A fixed 1.3×
// keeps the heap within a third of what is actually in use, at a few percent more GC time.
import { setFlagsFromString } from "node:v8";

// Given explicitly (node's command line or NODE_OPTIONS), it is left alone.
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].some((flag) =>
  flag.startsWith("--heap-growing-percent"),
);
if (!given) {
  setFlagsFromString("--heap-growing-percent=30");
}
