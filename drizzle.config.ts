import { defineConfig } from "drizzle-kit";

// Migrations are generated from the schema and committed (append-only); they run on PGlite and PostgreSQL alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/directory/schema.ts",
  out: "./migrations",
});
