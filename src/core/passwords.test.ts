import { describe, expect, it } from "vitest";
import { checkPassword, PASSWORD_MAX_LENGTH } from "./passwords.ts";

describe("checkPassword", () => {
  it("enforces the minimum length (counting code points)", () => {
    expect(checkPassword("12345", 6)).toEqual({
      ok: false,
      reason: "Password is too short (minimum 6 characters)",
    });
    expect(checkPassword("123456", 6)).toEqual({ ok: true });
    expect(checkPassword("😀😀😀", 4).ok).toBe(false);
    expect(checkPassword("😀😀😀😀", 4).ok).toBe(true);
  });

  it("rejects over-long passwords and control characters", () => {
    expect(checkPassword("x".repeat(PASSWORD_MAX_LENGTH + 1), 6)).toMatchObject({ ok: false });
    expect(checkPassword("abc\u0007defgh", 6)).toEqual({
      ok: false,
      reason: "Password contains a control character",
    });
  });

  it("accepts spreadsheet-looking passwords (only the policy applies)", () => {
    expect(checkPassword("=Secret+Pass1", 6)).toEqual({ ok: true });
  });
});
