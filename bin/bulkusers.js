#!/usr/bin/env node
// The installed `bulkusers` command: registers tsx's ESM loader in this process, then runs the
// TypeScript entry (src/cli.ts), which reads process.argv and sets process.exitCode.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
