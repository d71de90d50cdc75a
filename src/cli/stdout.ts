// The CLI's stdout, written synchronously. process.stdout.write to a pipe is asynchronous here: a large
// `--json` document written in pieces would be queued in memory whole (a 50,000-row plan piped into
// another program took 726 MB instead of 285 MB). Writing each piece through the descriptor keeps one
// piece in memory at a time; a full pipe (EAGAIN) is waited out, a closed one (EPIPE) ends the output.
import { writeSync } from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

export function synchronousWriter(fd: number): (text: string) => void {
  let closed = false;
  return (text) => {
    if (closed) return;
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(pause, 0, 0, 2);
          continue;
        }
        if (code === "EPIPE") {
          closed = true;
          return;
        }
        throw error;
      }
    }
  };
}
