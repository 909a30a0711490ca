"""Write a synthetic Salesforce export (Account, Contact, Opportunity CSVs) for the import
benchmark.

    python -m bench.salesforce_export DIR [--rows 50000]

``rows`` is split 20 % accounts, 50 % contacts, 30 % opportunities, every contact and
opportunity pointing at an account of the export, with custom fields and 18-character IDs.
Then measure the import (docs/import-format.md, "Large exports"), e.g.:

    ACCOUNTLENS_DATA_DIR=/tmp/al-bench accountlens migrate
    ACCOUNTLENS_DATA_DIR=/tmp/al-bench /usr/bin/time -v \\
        accountlens import DIR --org bench --create-org Bench --source salesforce

The files are generated, never committed.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ACCOUNT = ["Id", "IsDeleted", "Name", "Website", "Industry", "NumberOfEmployees",
           "AnnualRevenue", "CreatedDate", "LastModifiedDate", "Tier__c", "Region__c"]  # fmt: skip
CONTACT = ["Id", "IsDeleted", "AccountId", "FirstName", "LastName", "Email", "Title",
           "CreatedDate", "LastModifiedDate"]  # fmt: skip
OPPORTUNITY = ["Id", "IsDeleted", "AccountId", "Name", "StageName", "Type", "Amount", "CloseDate",
               "Probability", "CreatedDate", "LastModifiedDate", "Forecast__c"]  # fmt: skip
WORDS = ["north", "river", "stone", "cloud", "harbor", "maple", "summit", "delta", "lumen", "fern"]
FIRST = ["Ada", "Bo", "Cyd", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"]
STAGES = ["Prospecting", "Negotiation/Review", "Closed Won", "Closed Lost"]
TYPES = ["New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement"]


def sf_id(prefix: str, number: int) -> str:
    return f"{prefix}5g{number:010d}AAV"  # 3 + 2 + 10 + 3 = 18 characters


def write(directory: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    accounts, contacts = rows // 5, rows // 2
    opportunities = rows - accounts - contacts
    with (directory / "Account.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(ACCOUNT)
        for n in range(accounts):
            name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {n}"
            out.writerow([sf_id("001", n), "false", name, f"{name.split()[0].lower()}{n}.example",
                          "Manufacturing", rng.randrange(5, 20000), rng.randrange(10**5, 10**8),
                          "2022-03-14T09:12:00.000Z", "2024-10-30T16:40:00.000Z",
                          rng.choice(["Gold", "Silver"]), rng.choice(["EMEA", "NA"])])  # fmt: skip
    with (directory / "Contact.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(CONTACT)
        for n in range(contacts):
            out.writerow([sf_id("003", n), "false", sf_id("001", n % accounts), rng.choice(FIRST),
                          f"Person{n}", f"p{n}@example.com", "Buyer",
                          "2023-05-03T08:00:00.000Z", "2024-01-03T08:00:00.000Z"])  # fmt: skip
    with (directory / "Opportunity.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(OPPORTUNITY)
        for n in range(opportunities):
            out.writerow([sf_id("006", n), "false", sf_id("001", n % accounts), f"Deal {n}",
                          rng.choice(STAGES), rng.choice(TYPES), rng.randrange(1000, 500000),
                          "2025-06-30", rng.randrange(0, 101), "2024-11-01T09:00:00.000Z",
                          "2024-12-01T09:00:00.000Z",
                          rng.choice(["Commit", "Best Case"])])  # fmt: skip
