// The licenses the sample hire list (test/fixtures/csv/samples/new-hires.csv) assigns, with seats to spare.
import type { Database } from "../../src/directory/client.ts";
import { licenses } from "../../src/directory/schema.ts";

export async function seedSampleLicenses(db: Database): Promise<void> {
  await db.insert(licenses).values([
    { sku: "M365_E5", name: "Microsoft 365 E5", totalSeats: 10 },
    { sku: "M365_BUSINESS_PREMIUM", name: "Business Premium", totalSeats: 10 },
  ]);
}
