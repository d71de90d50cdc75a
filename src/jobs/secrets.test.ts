import { describe, expect, it } from "vitest";
import {
  createSealer,
  generatePassword,
  hashChosenPassword,
  hashGeneratedPassword,
  verifyPassword,
} from "./secrets.ts";

describe("temporary passwords", () => {
  it("are 16 characters with a symbol and a digit, and never start like a spreadsheet formula", () => {
    for (let i = 0; i < 2000; i++) {
      const password = generatePassword();
      expect(password).toHaveLength(16);
      expect(password).toMatch(/[!#%+=?@]/);
      expect(password).toMatch(/\d/);
      expect(password[0]).toMatch(/[A-Za-z0-9]/);
    }
  });

  it("are hashed, salted, and verify only with the right password", async () => {
    const hash = hashGeneratedPassword("Secret-Temp-123!");
    expect(hash).not.toContain("Secret");
    expect(hashGeneratedPassword("Secret-Temp-123!")).not.toBe(hash);
    expect(await verifyPassword("Secret-Temp-123!", hash)).toBe(true);
    expect(await verifyPassword("secret-temp-123!", hash)).toBe(false);
    const chosen = await hashChosenPassword("TempPass123!");
    expect(chosen.startsWith("scrypt$")).toBe(true);
    expect(await verifyPassword("TempPass123!", chosen)).toBe(true);
    expect(await verifyPassword("TempPass124!", chosen)).toBe(false);
  });

  it("are sealed with authenticated encryption: another key or a flipped bit cannot open them", () => {
    const sealer = createSealer("key-one");
    const sealed = sealer.seal("hunter2hunter2");
    expect(sealed).not.toContain("hunter2");
    expect(sealer.open(sealed)).toBe("hunter2hunter2");
    expect(() => createSealer("key-two").open(sealed)).toThrow();
    // The last but one character changed (its check once looked at the last one, so one seal in 64 was
    // "flipped" into itself and opened).
    const at = sealed.length - 2;
    const flipped = `${sealed.slice(0, at)}${sealed[at] === "A" ? "B" : "A"}${sealed.slice(at + 1)}`;
    expect(flipped).not.toBe(sealed);
    expect(() => sealer.open(flipped)).toThrow();
  });
});
