// Progress on long work (run, undo, worker, seed-demo, export). On a terminal: a cli-progress bar on stderr
// with the count, the rate and the ETA. Without one (pipes, cron, CI): nothing while it works, then one
// summary line on stderr — unless `--json`, where a script reads stdout and wants no chatter at all.
import { SingleBar } from "cli-progress";
import type { CommandContext } from "./context.ts";
import { formatDuration } from "./time.ts";

export interface Progress {
  /** `done` of `total` units so far (the total may grow, e.g. the next job of a worker). */
  update(done: number, total?: number): void;
  /** Ends the bar (or prints the summary line); `done` defaults to the last update. */
  finish(done?: number): void;
  /** Ends the bar without a summary when the work failed (no-op after finish): call it in `finally`. */
  stop(): void;
}

/** `12,345` — counts as people read them. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function startProgress(ctx: CommandContext, label: string, total: number, unit = "rows"): Progress {
  const started = performance.now();
  let done = 0;
  let finished = false;
  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    return seconds > 0 ? done / seconds : 0;
  };
  const stream = ctx.io.progressStream;
  if (stream) {
    const bar = new SingleBar({
      stream,
      format: `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      barsize: 24,
      barCompleteChar: "█",
      barIncompleteChar: "░",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      formatValue: (value, _options, type) =>
        type === "value" || type === "total" ? formatCount(value) : String(value),
    });
    bar.start(total, 0, { rate: "0" });
    return {
      update(value, newTotal) {
        done = value;
        if (newTotal !== undefined && newTotal !== bar.getTotal()) bar.setTotal(newTotal);
        bar.update(value, { rate: formatCount(rate()) });
      },
      finish(value = done) {
        if (finished) return;
        finished = true;
        done = value;
        bar.update(value, { rate: formatCount(rate()) });
        bar.stop();
      },
      stop() {
        if (finished) return;
        finished = true;
        bar.stop();
      },
    };
  }
  return {
    update(value) {
      done = value;
    },
    finish(value = done) {
      if (finished) return;
      finished = true;
      done = value;
      if (ctx.json) return;
      const elapsed = performance.now() - started;
      ctx.io.stderr(
        `${label}: ${formatCount(done)} ${unit} in ${formatDuration(elapsed)} (${formatCount(rate())} ${unit}/s)\n`,
      );
    },
    stop() {
      finished = true;
    },
  };
}
