import { describe, expect, it } from "vitest";
import { decodeSlackText } from "./escaping.ts";

describe("decodeSlackText", () => {
  it("decodes what Slack escapes, once", () => {
    expect(decodeSlackText("inactive:&gt;90d")).toBe("inactive:>90d");
    expect(decodeSlackText("name:R&amp;D last-sign-in:&lt;2026-01-01")).toBe(
      "name:R&D last-sign-in:<2026-01-01",
    );
    // A person who typed "&gt;" literally: Slack sends "&amp;gt;", which is "&gt;" again, not ">".
    expect(decodeSlackText("&amp;gt;")).toBe("&gt;");
  });

  it("leaves mentions, links and other entities as they are", () => {
    expect(decodeSlackText("<@U123> <#C1|general> <https://x.example|x> &quot; &#62;")).toBe(
      "<@U123> <#C1|general> <https://x.example|x> &quot; &#62;",
    );
  });
});
