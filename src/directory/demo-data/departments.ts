// The demo organisation's departments (share of the headcount, cost-centre code) and the job titles of each
// level in each department (staff titles weighted by how common they are).

export const DEPARTMENTS = [
  { name: "Engineering", weight: 30, code: "ENG" },
  { name: "Sales", weight: 20, code: "SAL" },
  { name: "Support", weight: 14, code: "SUP" },
  { name: "Operations", weight: 10, code: "OPS" },
  { name: "Marketing", weight: 9, code: "MKT" },
  { name: "Finance", weight: 7, code: "FIN" },
  { name: "HR", weight: 5, code: "HR" },
  { name: "Legal", weight: 5, code: "LEG" },
] as const;
export type Department = (typeof DEPARTMENTS)[number]["name"];

export const VP_TITLE: Record<Department, string> = {
  Engineering: "VP of Engineering",
  Sales: "VP of Sales",
  Support: "VP of Customer Support",
  Operations: "VP of Operations",
  Marketing: "VP of Marketing",
  Finance: "Chief Financial Officer",
  HR: "VP of People",
  Legal: "General Counsel",
};

export const DIRECTOR_TITLE: Record<Department, string> = {
  Engineering: "Director of Engineering",
  Sales: "Regional Sales Director",
  Support: "Director of Customer Support",
  Operations: "Director of Operations",
  Marketing: "Director of Marketing",
  Finance: "Finance Director",
  HR: "HR Director",
  Legal: "Deputy General Counsel",
};

export const MANAGER_TITLE: Record<Department, readonly string[]> = {
  Engineering: ["Engineering Manager", "Engineering Manager", "QA Manager", "Platform Engineering Manager"],
  Sales: ["Sales Manager", "Account Management Lead", "Sales Development Manager"],
  Support: ["Support Manager", "Support Team Lead"],
  Operations: ["Operations Manager", "IT Manager", "Facilities Manager"],
  Marketing: ["Marketing Manager", "Brand Manager", "Content Manager"],
  Finance: ["Finance Manager", "Controller", "Payroll Manager"],
  HR: ["HR Manager", "Talent Acquisition Manager"],
  Legal: ["Legal Operations Manager", "Senior Counsel"],
};

export const STAFF_TITLES: Record<Department, ReadonlyArray<readonly [string, number]>> = {
  Engineering: [
    ["Software Engineer", 30],
    ["Senior Software Engineer", 22],
    ["Staff Engineer", 5],
    ["QA Engineer", 10],
    ["DevOps Engineer", 8],
    ["Site Reliability Engineer", 6],
    ["Data Engineer", 7],
    ["Product Designer", 6],
    ["Security Engineer", 4],
  ],
  Sales: [
    ["Account Executive", 35],
    ["Sales Development Representative", 30],
    ["Account Manager", 20],
    ["Sales Operations Analyst", 8],
    ["Solutions Consultant", 7],
  ],
  Support: [
    ["Customer Support Agent", 50],
    ["Senior Support Agent", 20],
    ["Technical Support Engineer", 20],
    ["Customer Success Manager", 10],
  ],
  Operations: [
    ["IT Support Technician", 25],
    ["Systems Administrator", 15],
    ["Operations Analyst", 20],
    ["Procurement Specialist", 15],
    ["Facilities Coordinator", 15],
    ["Office Manager", 10],
  ],
  Marketing: [
    ["Marketing Specialist", 30],
    ["Content Writer", 20],
    ["Graphic Designer", 15],
    ["SEO Specialist", 10],
    ["Product Marketing Manager", 15],
    ["Events Coordinator", 10],
  ],
  Finance: [
    ["Accountant", 30],
    ["Financial Analyst", 30],
    ["Payroll Specialist", 15],
    ["Accounts Payable Clerk", 15],
    ["Internal Auditor", 10],
  ],
  HR: [
    ["HR Generalist", 30],
    ["Recruiter", 30],
    ["HR Business Partner", 20],
    ["Learning and Development Specialist", 20],
  ],
  Legal: [
    ["Legal Counsel", 35],
    ["Paralegal", 30],
    ["Contracts Manager", 20],
    ["Compliance Officer", 15],
  ],
};
