// An Engine over a test database, with a fixed clock that tests can move.
import type { DatabaseHandle } from "../../src/directory/client.ts";
import { createSealer } from "../../src/jobs/secrets.ts";
import type { Engine } from "../../src/jobs/service.ts";

export interface TestEngine extends Engine {
  setNow(iso: string): void;
}

export function testEngine(handle: DatabaseHandle, limits: Partial<Engine["limits"]> = {}): TestEngine {
  let now = new Date("2026-11-02T09:00:00.000Z");
  return {
    db: handle.db,
    sealer: createSealer("test-secret-key"),
    clock: () => new Date(now),
    limits: { maxRows: 5000, passwordMinLength: 6, leaseSeconds: 30, ...limits },
    setNow(iso) {
      now = new Date(iso);
    },
  };
}
