// Replaced by the database test harness (migrated PGlite dump shared by test files).
export default async function setup(): Promise<void> {}
