import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { decode } from "./decode.ts";

const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Buffer.concat(
    parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : Buffer.from(part))),
  );

describe("decode", () => {
  it("reads UTF-8 without a BOM", () => {
    expect(decode(bytes("Email,Name\nzoë@example.com,Zoë\n"))).toEqual({
      text: "Email,Name\nzoë@example.com,Zoë\n",
      encoding: "utf-8",
      bom: 0,
    });
  });

  it("reads UTF-8 with a BOM and strips the BOM", () => {
    expect(decode(bytes([0xef, 0xbb, 0xbf], "Email\n"))).toEqual({
      text: "Email\n",
      encoding: "utf-8",
      bom: 3,
    });
  });

  it("reads UTF-16LE with a BOM (PowerShell 5 -Encoding Unicode) and strips the BOM", () => {
    const raw = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from("Email,Name\r\nz@x,Zoë\r\n", "utf16le"),
    ]);
    expect(decode(raw)).toEqual({ text: "Email,Name\r\nz@x,Zoë\r\n", encoding: "utf-16le", bom: 2 });
  });

  it("reads UTF-16BE with a BOM and strips the BOM", () => {
    const raw = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode("Email\n山田\n", "utf-16be")]);
    expect(decode(raw)).toEqual({ text: "Email\n山田\n", encoding: "utf-16be", bom: 2 });
  });

  it("falls back to Windows-1252 when the bytes are not valid UTF-8 (Excel 'CSV (Windows)')", () => {
    const text = "José Müller,Zoë,Œuvre,5 €,“quoted” – dash";
    expect(decode(iconv.encode(text, "windows-1252"))).toEqual({ text, encoding: "windows-1252", bom: 0 });
  });

  it("keeps valid UTF-8 as UTF-8 even when it would also be valid Windows-1252", () => {
    // "Ã©" in 1252 is the same bytes as "é" in UTF-8: valid UTF-8 must win.
    expect(decode(bytes("é"))).toEqual({ text: "é", encoding: "utf-8", bom: 0 });
  });

  it("recognises BOM-less UTF-16 instead of calling it binary", () => {
    expect(decode(Buffer.from("Email,Name\r\na@x,Ann\r\n", "utf16le"))).toEqual({
      text: "Email,Name\r\na@x,Ann\r\n",
      encoding: "utf-16le",
      bom: 0,
    });
    expect(decode(iconv.encode("Email,Name\r\na@x,Ann\r\n", "utf-16be")).encoding).toBe("utf-16be");
  });

  it("trusts a UTF-8 BOM: invalid sequences after it become U+FFFD, not Windows-1252", () => {
    expect(decode(bytes([0xef, 0xbb, 0xbf], "a", [0xe9], "b"))).toEqual({
      text: "a\uFFFDb",
      encoding: "utf-8",
      bom: 3,
    });
  });

  it("decodes an empty input as empty UTF-8 text", () => {
    expect(decode(new Uint8Array(0))).toEqual({ text: "", encoding: "utf-8", bom: 0 });
  });
});
