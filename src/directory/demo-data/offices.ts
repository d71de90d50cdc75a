// The demo organisation's offices: where people sit, the usage location licenses need, and phone numbers
// in each country's format.
import { digits, type Random } from "../demo-random.ts";

export interface Office {
  office: string;
  city: string;
  country: string;
  usageLocation: string;
  weight: number;
  phone: (random: Random) => string;
  mobile: (random: Random) => string;
}

// Numbers in ranges reserved for fiction/drama where one exists (Ofcom 020 7946 0xxx, NANP 555-01xx).
export const OFFICES: readonly Office[] = [
  {
    office: "London HQ",
    city: "London",
    country: "United Kingdom",
    usageLocation: "GB",
    weight: 24,
    phone: (r) => `+44 20 7946 0${digits(r, 3)}`,
    mobile: (r) => `+44 7700 900${digits(r, 3)}`,
  },
  {
    office: "New York",
    city: "New York",
    country: "United States",
    usageLocation: "US",
    weight: 20,
    phone: (r) => `+1 212 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 917 555 01${digits(r, 2)}`,
  },
  {
    office: "Austin",
    city: "Austin",
    country: "United States",
    usageLocation: "US",
    weight: 10,
    phone: (r) => `+1 512 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 737 555 01${digits(r, 2)}`,
  },
  {
    office: "Toronto",
    city: "Toronto",
    country: "Canada",
    usageLocation: "CA",
    weight: 9,
    phone: (r) => `+1 416 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 647 555 01${digits(r, 2)}`,
  },
  {
    office: "Berlin",
    city: "Berlin",
    country: "Germany",
    usageLocation: "DE",
    weight: 12,
    phone: (r) => `+49 30 ${digits(r, 8)}`,
    mobile: (r) => `+49 151 ${digits(r, 8)}`,
  },
  {
    office: "Paris",
    city: "Paris",
    country: "France",
    usageLocation: "FR",
    weight: 8,
    phone: (r) => `+33 1 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`,
    mobile: (r) => `+33 6 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`,
  },
  {
    office: "Singapore",
    city: "Singapore",
    country: "Singapore",
    usageLocation: "SG",
    weight: 9,
    phone: (r) => `+65 6${digits(r, 3)} ${digits(r, 4)}`,
    mobile: (r) => `+65 9${digits(r, 3)} ${digits(r, 4)}`,
  },
  {
    office: "Sydney",
    city: "Sydney",
    country: "Australia",
    usageLocation: "AU",
    weight: 8,
    phone: (r) => `+61 2 ${digits(r, 4)} ${digits(r, 4)}`,
    mobile: (r) => `+61 4${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`,
  },
];
