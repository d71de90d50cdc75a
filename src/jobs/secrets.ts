// Passwords at rest: supplied passwords wait in the plan and generated ones wait for delivery, both
// sealed with AES-256-GCM. The key comes from BULKUSERS_SECRET_KEY, else one generated on first use and
// kept in `settings` (that protects dumps and logs of the job tables, not a stolen database: set the key).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomFillSync,
  scrypt,
  timingSafeEqual,
} from "node:crypto";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import type { Database } from "../directory/client.ts";
import { settings } from "../directory/schema.ts";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSealer(keyMaterial: string): Sealer {
  const key = createHash("sha256").update(keyMaterial).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
    },
    open(sealed) {
      const raw = Buffer.from(sealed.slice(3), "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}

/** The configured key, else the one stored in `settings` (created once; concurrent starts agree). */
export async function loadSealer(db: Database, configuredKey: string | undefined): Promise<Sealer> {
  if (configuredKey) return createSealer(configuredKey);
  await db
    .insert(settings)
    .values({ key: "secret_key", value: randomBytes(32).toString("base64") })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, "secret_key"));
  if (!row) throw new Error("secret key could not be stored");
  return createSealer(row.value);
}

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
/** Bytes at or above this would favour the first letters (256 is not a multiple of 57): they are skipped. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

// Generated passwords and their salts draw from one pooled buffer of CSPRNG bytes, refilled 64 KiB at a
// time: one randomFillSync per ~2,000 passwords instead of several crypto calls per password.
const pool = Buffer.allocUnsafe(64 * 1024);
let poolPos = pool.length;

function randomByte(): number {
  if (poolPos >= pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  return pool[poolPos++]!;
}

/** A uniform integer in [0, n) for n ≤ 256 (bytes that would bias it are skipped). */
function randomBelow(n: number): number {
  const limit = 256 - (256 % n);
  for (;;) {
    const byte = randomByte();
    if (byte < limit) return byte % n;
  }
}

/** `count` letters of ALPHABET, uniformly (50,000 passwords per job). */
function uniformLetters(count: number): string[] {
  const letters: string[] = [];
  while (letters.length < count) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) letters.push(ALPHABET[byte % ALPHABET.length]!);
  }
  return letters;
}
const SYMBOLS = "!#%+=?@";

/**
 * A temporary password: 16 characters from a 57-letter alphabet plus a symbol and a digit (~95 bits).
 * It always starts with a letter or digit: a leading `+ = @` would be neutralised with `'` in the
 * credentials CSV, and the person would copy the quote too.
 */
export function generatePassword(): string {
  const chars = uniformLetters(14);
  chars.splice(1 + randomBelow(chars.length), 0, SYMBOLS[randomBelow(SYMBOLS.length)]!);
  chars.splice(1 + randomBelow(chars.length), 0, String(2 + randomBelow(8)));
  return chars.join("");
}

/**
 * Generated passwords carry ~95 bits of randomness, so a salted SHA-256 resists guessing as well as a slow
 * hash would, at a cost bulk creation can afford (50,000 scrypt hashes take minutes). Passwords a person
 * chose (supplied in the file) get scrypt.
 */
export function hashGeneratedPassword(password: string): string {
  const salt = Buffer.alloc(16);
  for (let i = 0; i < salt.length; i++) salt[i] = randomByte();
  const digest = createHash("sha256").update(salt).update(password).digest();
  return `sha256$${salt.toString("base64url")}$${digest.toString("base64url")}`;
}

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashChosenPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const digest = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${digest.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts[0] === "sha256" && parts.length === 3) {
    const digest = createHash("sha256").update(Buffer.from(parts[1]!, "base64url")).update(password).digest();
    return timingSafeEqual(digest, Buffer.from(parts[2]!, "base64url"));
  }
  if (parts[0] === "scrypt" && parts.length === 6) {
    const [, n, r, p, salt, expected] = parts as [string, string, string, string, string, string];
    const digest = await scryptAsync(password, Buffer.from(salt, "base64url"), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: SCRYPT.maxmem,
    });
    return timingSafeEqual(digest, Buffer.from(expected, "base64url"));
  }
  return false;
}
