"""Word lists the generator combines into names, titles and short texts.

All fictional: company names are combinations of neutral words and domains use the reserved
``.example`` top-level domain, so no generated record points at a real company or mailbox.
"""

from __future__ import annotations

COMPANY_PREFIXES = (
    "Apex", "Arbor", "Atlas", "Aurora", "Beacon", "Birch", "Blue", "Bright", "Cascade", "Cedar",
    "Clear", "Cobalt", "Copper", "Crescent", "Crystal", "Delta", "Eagle", "Echo", "Ember",
    "Evergreen", "Falcon", "Fern", "Fox", "Frontier", "Golden", "Granite", "Harbor", "Hawk",
    "Horizon", "Iron",
    "Juniper", "Keystone", "Lake", "Lantern", "Laurel", "Lumen", "Maple", "Meadow", "Meridian",
    "Mesa", "Nimbus", "North", "Oak", "Ocean", "Onyx", "Orbit", "Pacific", "Peak", "Pine",
    "Pioneer", "Polar", "Prairie", "Quantum", "Quarry", "Radiant", "Raven", "Redwood", "Ridge",
    "River", "Sage", "Sapphire", "Sequoia", "Shore", "Sierra", "Silver", "Sky", "Slate", "Solar",
    "Spruce", "Star", "Stone", "Summit", "Sun", "Terra", "Tidal", "Timber", "True", "Union",
    "Valley", "Vantage", "Vertex", "Willow", "Wind", "Zenith",
)  # fmt: skip

COMPANY_CORES = (
    "Analytics", "Bank", "Bio", "Brands", "Capital", "Care", "Cargo", "Clinics", "Cloud",
    "Communications", "Construction", "Data", "Dental", "Devices", "Dynamics", "Education",
    "Energy", "Engineering", "Fabrics", "Farms", "Finance", "Fitness", "Foods", "Freight",
    "Games", "Health", "Hospitality", "Industries", "Insurance", "Labs", "Learning", "Legal",
    "Logistics", "Machines", "Manufacturing", "Marine", "Media", "Medical", "Metals", "Mobility",
    "Motors", "Networks", "Nutrition", "Optics", "Outfitters", "Packaging", "Payments",
    "Pharma", "Power", "Printing", "Properties", "Publishing", "Realty", "Recruiting",
    "Robotics", "Security", "Semiconductors", "Shipping", "Software", "Solar", "Sports",
    "Staffing", "Storage", "Studios", "Supply", "Systems", "Telecom", "Textiles", "Therapeutics",
    "Tools", "Travel", "Utilities", "Ventures", "Water", "Wellness", "Wireless",
)  # fmt: skip

COMPANY_SUFFIXES = ("", "", "", " Inc", " Group", " Corp", " Co", " Holdings", " Partners", " Ltd")

INDUSTRIES = (
    "Software", "Financial Services", "Healthcare", "Manufacturing", "Retail", "Logistics",
    "Education", "Media", "Energy", "Telecommunications", "Insurance", "Hospitality",
)  # fmt: skip

FIRST_NAMES = (
    "Aaliyah", "Aarav", "Abigail", "Adrian", "Aisha", "Alejandro", "Alice", "Amara", "Amir",
    "Ana", "Andre", "Angela", "Anika", "Antonio", "Arjun", "Ava", "Beatriz", "Ben", "Bianca",
    "Bruno", "Camila", "Carlos", "Carmen", "Chen", "Chloe", "Chris", "Clara", "Daniel", "Dara",
    "David", "Deepa", "Diego", "Dmitri", "Elena", "Eli", "Emeka", "Emily", "Emma", "Eric",
    "Esther", "Ethan", "Fatima", "Felix", "Fiona", "Gabriel", "Grace", "Hana", "Hannah",
    "Hassan", "Hiro", "Ian", "Imani", "Ines", "Isaac", "Ivan", "Jada", "James", "Jasmine",
    "Javier", "Jin", "Jonas", "Jordan", "Julia", "Kai", "Kamala", "Karim", "Kate", "Kenji",
    "Kofi", "Lars", "Laura", "Leah", "Leila", "Leo", "Liam", "Lina", "Lucas", "Lucia", "Maya",
    "Mateo", "Mei", "Mia", "Miguel", "Mina", "Mohammed", "Nadia", "Naomi", "Nia", "Nikhil",
    "Noah", "Nora", "Olga", "Omar", "Oscar", "Paolo", "Pedro", "Priya", "Rafael", "Ravi",
    "Rosa", "Ryan", "Sakura", "Samir", "Sara", "Sean", "Sofia", "Sven", "Tara", "Tariq",
    "Teresa", "Theo", "Tomas", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zara",
)  # fmt: skip

LAST_NAMES = (
    "Abara", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bauer", "Becker", "Bianchi", "Brooks",
    "Castro", "Chang", "Chen", "Costa", "Cruz", "Dahl", "Das", "Diaz", "Dubois", "Edwards",
    "Eriksson", "Fernandes", "Fischer", "Garcia", "Gomez", "Greene", "Gupta", "Haddad", "Hall",
    "Hansen", "Hayes", "Herrera", "Hughes", "Ibrahim", "Ito", "Jensen", "Johansson", "Kato",
    "Kaur", "Khan", "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Lopez", "Mahmoud", "Martin",
    "Mehta", "Mendes", "Moreau", "Murphy", "Mwangi", "Nakamura", "Nguyen", "Novak", "Okafor",
    "Oliveira", "Olsen", "Ortiz", "Park", "Patel", "Perez", "Petrov", "Quinn", "Ramos", "Rao",
    "Reyes", "Rossi", "Russo", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Sokolov", "Suzuki",
    "Tan", "Tanaka", "Torres", "Turner", "Vargas", "Wagner", "Walsh", "Wang", "Weber", "Wong",
    "Wu", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann",
)  # fmt: skip

PERSONAS = ("champion", "economic_buyer", "decision_maker", "user", "detractor", "influencer")

TITLES_BY_PERSONA = {
    "champion": ("Director of Customer Operations", "Head of Analytics", "RevOps Manager",
                 "Senior Manager, Business Systems", "Product Operations Lead"),
    "economic_buyer": ("CFO", "VP Finance", "Chief Operating Officer", "VP Operations"),
    "decision_maker": ("VP Sales", "CIO", "VP Customer Success", "Head of IT", "CTO"),
    "user": ("Analyst", "Sales Manager", "Customer Success Manager", "Data Engineer",
             "Operations Specialist", "Account Executive", "Support Lead"),
    "detractor": ("IT Security Manager", "Procurement Manager", "Director of IT"),
    "influencer": ("Solutions Architect", "Team Lead", "Enterprise Architect"),
}  # fmt: skip

FEATURES = ("dashboards", "reports", "alerts", "api", "integrations", "workflows", "exports")

INTEGRATIONS = ("Salesforce", "HubSpot", "Snowflake", "Slack", "Zendesk", "Okta", "Jira")

REGIONS = ("North America", "EMEA", "APAC", "LATAM")
