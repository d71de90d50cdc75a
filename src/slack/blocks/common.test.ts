import { describe, expect, it } from "vitest";
import {
  ELLIPSIS,
  escapeAndTruncate,
  escapeMrkdwn,
  fitLines,
  formatDuration,
  formatUtc,
  inlineCode,
  mentionChannel,
  mentionUser,
  mrkdwnText,
  OPERATION_TITLES,
  plainText,
  plural,
  progressBar,
  relativeTime,
  slackDate,
  truncate,
} from "./common.ts";

describe("truncate", () => {
  it("keeps short text and cuts long text to the limit with an ellipsis", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcdef", 4)).toBe(`abc${ELLIPSIS}`);
    expect(truncate("abcdef", 4)).toHaveLength(4);
    expect(truncate("abc", 0)).toBe("");
  });

  it("never splits a surrogate pair", () => {
    const cut = truncate("ab😀cd", 4);
    expect(cut).toBe(`ab${ELLIPSIS}`);
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe("escapeMrkdwn", () => {
  it("escapes & < > so links and special mentions cannot form", () => {
    expect(escapeMrkdwn("<!channel> <https://x|y> a&b")).toBe("&lt;!channel&gt; &lt;https://x|y&gt; a&amp;b");
  });

  it("breaks @channel, @here and @everyone with an invisible word joiner", () => {
    const out = escapeMrkdwn("hi @channel @HERE @everyone @channelx bob@here.com");
    expect(out).not.toMatch(/@(channel|here|everyone)\b/i);
    expect(out.replace(/\u2060/g, "")).toBe("hi @channel @HERE @everyone @channelx bob@here.com");
  });
});

describe("escapeAndTruncate", () => {
  it("never leaves half an entity", () => {
    for (let max = 1; max < 12; max++) {
      const out = escapeAndTruncate("a<<<<<<<<", max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.replace(/&(lt|gt|amp);/g, "")).not.toMatch(/[&<>]/);
    }
  });

  it("keeps the word joiner when cutting inside a broadcast mention", () => {
    const out = escapeAndTruncate("@channel @channel", 5);
    expect(out).not.toMatch(/@c/);
  });
});

describe("text objects", () => {
  it("are never empty and never over the limit", () => {
    expect(plainText("").text).toBe(" ");
    expect(plainText("x".repeat(30), 24).text).toHaveLength(24);
    expect(mrkdwnText("y".repeat(4000)).text).toHaveLength(3000);
    expect(mrkdwnText("a").verbatim).toBe(true);
  });

  it("operation titles fit a modal title", () => {
    for (const title of Object.values(OPERATION_TITLES)) expect(title.length).toBeLessThanOrEqual(24);
  });
});

describe("fitLines", () => {
  it("keeps whole lines and says how many were left out", () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i} ${"x".repeat(20)}`);
    const out = fitLines(lines, 100, (n) => `…and ${n} more`);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out).toMatch(/…and \d+ more$/);
    const kept = out.split("\n").length - 1;
    expect(out).toContain(`…and ${10 - kept} more`);
    expect(fitLines(["a", "b"], 100, () => "more")).toBe("a\nb");
  });
});

describe("formatting", () => {
  it("formats counts, durations and times", () => {
    expect(plural(1, "row")).toBe("1 row");
    expect(plural(12345, "row")).toBe("12,345 rows");
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(7_800_000)).toBe("2 h 10 min");
    expect(formatUtc("2026-07-01T14:05:09Z")).toBe("2026-07-01 14:05 UTC");
    expect(slackDate("2026-07-01T14:05:00Z")).toBe(
      "<!date^1782914700^{date_short_pretty} {time}|2026-07-01 14:05 UTC>",
    );
    const now = "2026-07-01T14:00:00Z";
    expect(relativeTime("2026-07-01T14:25:00Z", now)).toBe("in 25 min");
    expect(relativeTime("2026-07-01T13:59:50Z", now)).toBe("just now");
    expect(relativeTime("2026-07-01T11:00:00Z", now)).toBe("3 hours ago");
    expect(relativeTime("2026-06-28T14:00:00Z", now)).toBe("3 days ago");
  });

  it("draws a text progress bar that only shows 100% when done", () => {
    expect(progressBar(50, 100)).toBe("▓▓▓▓▓░░░░░ 50%");
    expect(progressBar(0, 100)).toBe("░░░░░░░░░░ 0%");
    expect(progressBar(999, 1000)).toBe("▓▓▓▓▓▓▓▓▓░ 99%");
    expect(progressBar(1000, 1000)).toBe("▓▓▓▓▓▓▓▓▓▓ 100%");
  });

  it("mentions only real Slack ids", () => {
    expect(mentionUser("U012ABC")).toBe("<@U012ABC>");
    expect(mentionUser("cli:<!channel>")).toBe("cli:&lt;!channel&gt;");
    expect(mentionChannel("C0HR")).toBe("<#C0HR>");
    expect(mentionChannel("#general")).toBe("#general");
  });

  it("makes inline code that user data cannot break out of", () => {
    expect(inlineCode("a`b<c")).toBe("`aˋb&lt;c`");
    expect(inlineCode("")).toBe("` `");
  });
});
