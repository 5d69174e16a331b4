"""The demo's tables: regions (currency, cities, streets, tax rates, names),
ticket titles, notes, expenses and the contract plan cycle."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# --------------------------------------------------------------------------- regions
@dataclass(frozen=True)
class Region:
    code: str
    currency: str
    hourly_rate: int  # whole units of the currency, the shop's list price
    price_factor: Decimal  # USD list prices -> this currency (roughly, and rounded)
    cities: tuple[tuple[str, str], ...]  # (city line, tax rate)
    streets: tuple[str, ...]
    number_first: bool  # "12 Main Street" vs "Hauptstraße 12"
    suffixes: tuple[str, ...]
    tld: str
    language: str
    people: tuple[str, ...]


_EN_PEOPLE = ("Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan",
              "Grace", "Daniel", "Chloe", "Ryan", "Hannah", "Owen")

REGIONS: dict[str, Region] = {
    "US": Region(
        "US", "USD", 150, Decimal("1"),
        (("Austin, TX 78701", "0.0825"), ("Denver, CO 80202", "0.0881"),
         ("Columbus, OH 43215", "0.075"), ("Portland, OR 97204", "0"),
         ("Raleigh, NC 27601", "0.0725"), ("Tampa, FL 33602", "0.075"),
         ("Phoenix, AZ 85004", "0.086")),
        ("Main Street", "Oak Avenue", "Commerce Drive", "Market Street", "Lakeview Boulevard",
         "Industrial Parkway"),
        True, ("LLC", "Inc.", "Group", "Co."), "com", "en", _EN_PEOPLE,
    ),
    "CA": Region(
        "CA", "CAD", 175, Decimal("1.35"),
        (("Toronto, ON M5H 2N2", "0.13"), ("Ottawa, ON K1P 5J2", "0.13"),
         ("Calgary, AB T2P 1J9", "0.05"), ("Halifax, NS B3J 1S9", "0.14")),
        ("Bay Street", "King Street West", "Rideau Street", "Portage Avenue"),
        True, ("Inc.", "Ltd.", "Corp."), "ca", "en", _EN_PEOPLE,
    ),
    "UK": Region(
        "UK", "GBP", 95, Decimal("0.8"),
        (("Leeds LS1 4AP", "0.20"), ("Bristol BS1 4DJ", "0.20"), ("Manchester M2 3AW", "0.20"),
         ("Reading RG1 1AF", "0.20"), ("Edinburgh EH2 2BY", "0.20")),
        ("High Street", "Station Road", "Victoria Street", "Mill Lane", "Queen's Road"),
        True, ("Ltd", "Ltd", "LLP"), "co.uk", "en", _EN_PEOPLE,
    ),
    "DE": Region(
        "DE", "EUR", 115, Decimal("0.95"),
        (("10115 Berlin", "0.19"), ("80331 München", "0.19"), ("50667 Köln", "0.19"),
         ("20095 Hamburg", "0.19"), ("70173 Stuttgart", "0.19")),
        ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee"),
        False, ("GmbH", "GmbH", "KG", "GmbH & Co. KG"), "de", "de",
        ("Jonas", "Lena", "Felix", "Anna", "Lukas", "Marie", "Jürgen", "Sophie"),
    ),
    "NL": Region(
        "NL", "EUR", 110, Decimal("0.95"),
        (("1012 JS Amsterdam", "0.21"), ("3011 AD Rotterdam", "0.21"), ("3511 AX Utrecht", "0.21")),
        ("Keizersgracht", "Coolsingel", "Oudegracht", "Stationsplein"),
        False, ("B.V.", "B.V."), "nl", "nl",
        ("Daan", "Sanne", "Bram", "Femke", "Joost", "Lotte"),
    ),
    "FR": Region(
        "FR", "EUR", 105, Decimal("0.95"),
        (("75002 Paris", "0.20"), ("69002 Lyon", "0.20"), ("33000 Bordeaux", "0.20")),
        ("rue de la République", "avenue Victor Hugo", "boulevard Voltaire", "rue Nationale"),
        True, ("SARL", "SAS"), "fr", "fr",
        ("Camille", "Hugo", "Léa", "Louis", "Chloé", "Théo"),
    ),
    "AU": Region(
        "AU", "AUD", 195, Decimal("1.5"),
        (("Sydney NSW 2000", "0.10"), ("Melbourne VIC 3000", "0.10"), ("Brisbane QLD 4000", "0.10"),
         ("Perth WA 6000", "0.10")),
        ("George Street", "Collins Street", "Queen Street", "Hay Street"),
        True, ("Pty Ltd",), "com.au", "en", _EN_PEOPLE,
    ),
    "BE": Region(
        "BE", "EUR", 110, Decimal("0.95"),
        (("2000 Antwerpen", "0.21"), ("9000 Gent", "0.21"), ("1000 Brussel", "0.21"), ("3000 Leuven", "0.21")),
        ("Meir", "Veldstraat", "Rue Neuve", "Bondgenotenlaan"),
        False, ("BV", "NV", "SRL"), "be", "nl",
        ("Lars", "Noor", "Wout", "Elise", "Arne", "Fien"),
    ),
    # Japanese customers of a European shop are billed in euro here.
    "JP": Region(
        "JP", "EUR", 110, Decimal("0.95"),
        (("Chiyoda-ku, Tokyo 100-0005", "0.10"), ("Kita-ku, Osaka 530-0001", "0.10")),
        ("Marunouchi 1-chome", "Umeda 2-chome"),
        True, ("K.K.",), "co.jp", "en", _EN_PEOPLE,
    ),
    # Israel's VAT has been 18% since January 2025.
    "IL": Region(
        "IL", "ILS", 420, Decimal("3.7"),
        (("Tel Aviv-Yafo 6473921", "0.18"), ("Haifa 3303123", "0.18"), ("Jerusalem 9423110", "0.18")),
        ("Rothschild Boulevard", "Herzl Street", "Ha'Atzmaut Road", "Derech Menachem Begin"),
        True, ("Ltd",), "co.il", "en",
        ("Noa", "Itai", "Maya", "Yonatan", "Tamar", "Omer"),
    ),
}

# The first customers' regions, so that even a small book spans five regions.
REGION_CYCLE = ("US", "UK", "DE", "CA", "AU", "US", "NL", "US", "FR", "IL",
                "UK", "US", "DE", "CA", "US", "AU", "UK", "US", "DE", "US",
                "NL", "US", "CA", "FR", "UK", "US", "IL", "DE", "US", "AU")
REGION_WEIGHTS = (("US", 40), ("UK", 14), ("DE", 12), ("CA", 10), ("AU", 8), ("NL", 6),
                  ("FR", 5), ("IL", 5))

CURATED_NAMES = {
    "US": ("Hartley Dental Group", "Blue Mesa Logistics LLC", "Cedar Point Family Law",
           "Summit Ridge Veterinary Clinic", "Lakeside Property Management Inc.",
           "Ortega & Sons Construction", "Pinecrest Accounting LLC", "Redwood Pediatrics",
           "Granite State Insurance Agency", "Magnolia Restaurant Supply Co.",
           "Coastal Orthopedics PLLC", "Ironbridge Capital Partners"),
    "UK": ("Whitmore & Hale Solicitors LLP", "Pennine Architecture Ltd", "O'Brien & Daughters Ltd",
           "Thames Valley Lettings Ltd", "Kestrel Print Works Ltd", "Harbourside Dental Practice"),
    "DE": ("Zoë Café GmbH", "Müller & Söhne GmbH", "Schreinerei Köhler KG",
           "Rheinblick Steuerberatung GmbH", "Nordlicht Logistik GmbH"),
    "CA": ("Maple Leaf Physiotherapy Inc.", "Bytown Legal Services LLP", "Côté Notaires Inc.",
           "Okanagan Fruit Packers Ltd."),
    "AU": ("Bondi Coastal Realty Pty Ltd", "Southern Cross Freight Pty Ltd",
           "Yarra Valley Wines Pty Ltd"),
    "NL": ("Van der Berg Installatietechniek B.V.", "Grachtenhuis Advocaten B.V."),
    "FR": ("Boulangerie Lefèvre SARL", "Cabinet Dupré & Associés"),
    "IL": ("כרמל מערכות תוכנה בע״מ", "Negev Solar Systems Ltd"),
    "BE": ("Schelde Logistiek BV", "Brasserie Van Damme NV", "Atelier Dubois SRL"),
    "JP": ("株式会社さくら精機", "北京科技有限公司 Europe K.K."),
}

_NAME_WORDS = {
    "en": (("Hartwell", "Brookside", "Ashford", "Riverside", "Kingsley", "Harper", "Whitfield",
            "Northgate", "Bramble", "Sterling", "Fairview", "Holloway", "Carver", "Everett",
            "Lindqvist", "Maddox", "Oakridge", "Prescott", "Quinlan", "Ramsey", "Sutton",
            "Thornbury", "Underwood", "Vance", "Westbrook", "Yardley", "Ellison", "Gallagher",
            "Hawthorne", "Irving", "Jameson", "Kendall", "Langford", "Mercer", "Nolan",
            "Pemberton", "Radcliffe", "Sinclair", "Tremont", "Wexford"),
           ("Dental", "Logistics", "Law Group", "Accounting", "Engineering", "Realty",
            "Medical Practice", "Architects", "Veterinary", "Insurance", "Construction",
            "Consulting", "Marketing", "Manufacturing", "Pharmacy", "Builders", "Freight",
            "Wealth Management", "Print & Design", "Physiotherapy", "Surveyors", "Catering",
            "Motors", "Opticians", "Landscaping")),
    "de": (("Schmidt", "Fischer", "Wagner", "Becker", "Hoffmann", "Schäfer", "Krüger", "Koch",
            "Richter", "Wolf", "Neumann", "Schwarz", "Zimmermann", "Braun", "Hofmann",
            "Hartmann", "Lange", "Werner", "Krause", "Lehmann"),
           ("Steuerberatung", "Logistik", "Immobilien", "Elektrotechnik", "Zahnarztpraxis",
            "Architekten", "Maschinenbau", "Druckerei", "Versicherungen", "Bau", "Consulting",
            "Apotheke", "Autohaus", "Optik", "Kanzlei")),
    "nl": (("De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "De Boer", "Mulder",
            "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer"),
           ("Installatietechniek", "Advocaten", "Accountants", "Makelaardij", "Logistiek",
            "Tandartsen", "Bouw", "Architecten", "Drukkerij", "Adviesgroep")),
    "fr": (("Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Rousseau",
            "Fontaine", "Chevalier", "Mercier", "Blanc", "Garnier", "Faure"),
           ("Conseil", "Immobilier", "Architectes", "Expertise Comptable", "Transports",
            "Imprimerie", "Pharmacie", "Optique", "Bâtiment", "Avocats")),
}

TECH_FIRST = ("Alex", "Priya", "Sam", "Jonas", "Mei", "Fatima", "Tom", "Chloé", "Marcus", "Aisha",
              "Diego", "Hannah", "Kenji", "Olga", "Ravi", "Sofia", "Ben", "Nadia", "Luis", "Ingrid")
TECH_LAST = ("Rivera", "Natarajan", "O'Connor", "Weber", "Chen", "Haddad", "Becker", "Martin",
             "Johnson", "Okafor", "Alvarez", "Schultz", "Tanaka", "Petrova", "Kapoor", "Rossi",
             "Walsh", "Karimi", "Moreno", "Lund")

TICKET_TITLES = (
    "Outlook keeps prompting for password", "Printer offline on second floor",
    "New starter laptop setup: {person}", "VPN drops every hour", "Replace failing UPS battery",
    "Reset MFA for {person}", "Shared mailbox access for {person}", "Backup job failed on FS01",
    "Wi-Fi slow in meeting room", "Quote for new network switches", "Offboard leaver: {person}",
    "Teams calls choppy", "Monthly server patching", "Phishing email reported by {person}",
    "Firewall firmware update", "Licence renewal question", "Laptop won't boot (BitLocker recovery)",
    "OneDrive not syncing for {person}", "Scanner to email not working", "Slow file server",
    "Add user to accounting app", "Replace docking station for {person}",
    "Conference room display not detected", "Domain renewal reminder", "Disk space alert on SQL01",
    "Set up shared calendar", "Mobile phone enrolment for {person}", "Antivirus alert on workstation",
    "Move office phone extension", "Restore deleted folder from backup",
)
PROJECT_TITLES = ("Project kickoff and site survey", "Migrate mailboxes", "Install new hardware",
                  "Cut-over weekend", "Project documentation and handover")
PROJECTS = ("Office move", "Windows 11 rollout", "Firewall replacement", "Microsoft 365 migration",
            "Wi-Fi refresh", "Server virtualisation")
NOTES = ("Remote session, applied fix and tested", "Investigated logs", "Called user, confirmed fix",
         "On-site visit", "Escalated to vendor and followed up", "Configured and documented",
         "Remote session with user", "Tested and closed")
NON_BILLABLE_NOTES = ("Internal review", "Travel time (not billed)", "Warranty follow-up",
                      "Rework after first fix", "Knowledge base article")
BILLABLE_EXPENSES = (("Replacement SSD 1 TB", 95), ("24-port PoE switch", 420),
                     ("Cat6 patch cables (20)", 60), ("Wireless keyboard and mouse", 45),
                     ("Mileage to site", 38), ("Replacement laptop battery", 110),
                     ("USB-C docking station", 230), ("Toner cartridge", 85),
                     ("UPS replacement battery", 140), ("Wi-Fi access point", 260))
INTERNAL_EXPENSES = (("Courier for warranty return", 25), ("Parking on site visit", 12),
                     ("Spare cables for van stock", 40))
MINUTES = (15, 15, 30, 30, 30, 45, 45, 60, 60, 60, 90, 120, 180)
ENTRY_COUNTS = (1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5)

# The first customers' main contracts: (type, billing period), so that a small
# book already holds every type and period.
PLAN_CYCLE = (("retainer", "monthly"), ("per_device", "monthly"), ("block_hours", "monthly"),
              ("hourly", "on_demand"), ("retainer", "quarterly"), ("per_device", "monthly"),
              ("hourly", "monthly"), ("block_hours", "quarterly"), ("retainer", "monthly"),
              ("per_device", "quarterly"))
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12, "on_demand": 1}
