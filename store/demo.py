"""Demo data: a realistic MSP book that lets a new user try batchbill.

Customers in several regions and currencies, every contract type, months of
tickets, time entries and expenses, and the past months billed through the
billing service. Deterministic: the same seed and the same ``today`` give the
same rows. Rows are written with bulk inserts and ids assigned here, month by
month, so a 2,000-customer book takes minutes in bounded memory.
"""
from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from store.db import db, is_postgres
from store.errors import ValidationError
from store.models import Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry

DEFAULT_CUSTOMERS = 30
DEFAULT_MONTHS = 12
DEFAULT_SEED = 7
ACTOR = "demo"

Progress = Callable[[str], None]


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
    "IL": ("Carmel Software Ltd", "Negev Solar Systems Ltd"),
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


# --------------------------------------------------------------------------- helpers
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_label(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _minor(major: Decimal | int) -> int:
    return int(Decimal(major) * 100)


def _price(usd: int | Decimal, region: Region) -> int:
    """A list price in the region's currency, whole units, as minor units."""
    return _minor((Decimal(usd) * region.price_factor).quantize(Decimal(1)))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in "".join(c if c.isalnum() else " " for c in ascii_name).lower().split()]
    stop = {"llc", "inc", "ltd", "gmbh", "kg", "pty", "bv", "b", "v", "sarl", "sas", "llp", "co",
            "pllc", "corp", "group", "the", "and"}
    kept = [w for w in words if w not in stop] or words
    slug = ""
    for word in kept:
        slug += word
        if len(slug) >= 8:
            break
    return slug


def _ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class _Customer:
    id: int
    name: str
    region: Region
    users: int
    primary: int  # contract id tickets go to by default
    hourly: int | None  # a time & materials contract, if any
    projects: list[tuple[int, dt.date, dt.date]] = field(default_factory=list)
    technician: str = ""


@dataclass
class DemoReport:
    customers: int
    months: int
    seed: int
    today: dt.date
    tickets: int = 0
    time_entries: int = 0
    expenses: int = 0
    billed_periods: list[str] = field(default_factory=list)
    billing_available: bool = True
    seconds: float = 0.0


# --------------------------------------------------------------------------- writer
class _BulkWriter:
    """Buffers rows per table and writes them in bulk, parents before children.

    SQLite goes through the raw cursor's executemany (about twice as fast as
    building INSERT statements); PostgreSQL through ``insert_many`` chunks.
    Values are already in a form both accept (text dates, bools, text decimals).
    """

    ORDER = (Customer, Contract, ServiceItem, Ticket, TimeEntry, Expense)

    def __init__(self, columns: dict, flush_rows: int = 20000):
        self.columns = columns
        self.rows = {model: [] for model in self.ORDER}
        self.flush_rows = flush_rows
        self.postgres = is_postgres()

    def add(self, model, row: tuple) -> None:
        self.rows[model].append(row)

    def pending(self) -> int:
        return sum(len(r) for r in self.rows.values())

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            if not rows:
                continue
            names = self.columns[model]
            if self.postgres:
                fields = [model._meta.fields[n] for n in names]
                for start in range(0, len(rows), 1000):
                    model.insert_many(rows[start:start + 1000], fields=fields).execute()
            else:
                table = model._meta.table_name
                cols = ", ".join(f'"{model._meta.fields[n].column_name}"' for n in names)
                marks = ", ".join("?" * len(names))
                db.obj.cursor().executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
            rows.clear()


COLUMNS = {
    Customer: ("id", "name", "region", "currency", "email", "address", "tax_rate", "active"),
    Contract: ("id", "customer", "name", "type", "currency", "billing_period", "start_date",
               "end_date", "taxable", "hourly_rate", "block_hours", "block_fee", "overage_rate",
               "device_count", "device_rate", "fixed_fee", "active"),
    ServiceItem: ("id", "contract", "description", "quantity", "unit_price", "active"),
    Ticket: ("id", "number", "customer", "contract", "title", "status", "opened_at", "closed_at"),
    TimeEntry: ("id", "ticket", "technician", "started_at", "minutes", "billable", "note"),
    Expense: ("id", "customer", "contract", "ticket", "date", "description", "amount", "billable"),
}


def _next_id(model) -> int:
    from peewee import fn

    return (model.select(fn.MAX(model.id)).scalar() or 0) + 1


def _reset_sequences() -> None:
    """PostgreSQL: move each serial past the ids written here."""
    if not is_postgres():
        return
    for model in _BulkWriter.ORDER:
        table = model._meta.table_name
        db.obj.execute_sql(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
        )


# --------------------------------------------------------------------------- generator
class _Generator:
    def __init__(self, customers: int, months: int, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.count = customers
        self.months = months
        self.today = today
        self.day_start = dt.datetime.combine(today, dt.time())
        self.first_month = add_months(month_start(today), -(months - 1))
        self.writer = _BulkWriter(COLUMNS)
        self.ids = {model: _next_id(model) for model in _BulkWriter.ORDER}
        self.customers: list[_Customer] = []
        techs = max(6, customers // 10)
        self.technicians = self._technicians(techs)
        self.report = DemoReport(customers, months, seed, today)

    def _id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _technicians(self, count: int) -> list[str]:
        names = []
        for i in range(count):
            first = TECH_FIRST[i % len(TECH_FIRST)]
            last = TECH_LAST[(i * 7 + i // len(TECH_FIRST)) % len(TECH_LAST)]
            name = f"{first} {last}"
            if name in names:
                name = f"{name} {i // len(TECH_FIRST) + 1}"
            names.append(name)
        return names

    # ---- customers and contracts
    def _region_code(self, index: int) -> str:
        if index < len(REGION_CYCLE):
            return REGION_CYCLE[index]
        codes = [c for c, _ in REGION_WEIGHTS]
        weights = [w for _, w in REGION_WEIGHTS]
        return self.rng.choices(codes, weights)[0]

    def _name(self, region: Region, used: set[str], curated_used: dict[str, int]) -> str:
        curated = CURATED_NAMES[region.code]
        n = curated_used.get(region.code, 0)
        if n < len(curated):
            curated_used[region.code] = n + 1
            return curated[n]
        first, second = _NAME_WORDS[region.language]
        base = f"{self.rng.choice(first)} {self.rng.choice(second)} {self.rng.choice(region.suffixes)}"
        if base not in used:
            return base
        city = self.rng.choice(region.cities)[0].split(",")[0].split()[-1]
        candidate = f"{base} ({city})"
        number = 2
        while candidate in used:
            candidate = f"{base} ({city} {number})"
            number += 1
        return candidate

    def make_customers(self) -> None:
        rng = self.rng
        used: set[str] = set()
        curated_used: dict[str, int] = {}
        for index in range(self.count):
            region = REGIONS[self._region_code(index)]
            name = self._name(region, used, curated_used)
            used.add(name)
            city, tax = rng.choice(region.cities)
            street = rng.choice(region.streets)
            number = rng.randint(1, 250 if region.number_first else 80)
            line = f"{number} {street}" if region.number_first else f"{street} {number}"
            address = f"{line}, {city}"
            email = f"accounts@{_slug(name)}.{region.tld}"
            users = max(3, min(250, int(rng.lognormvariate(3.1, 0.6))))
            customer_id = self._id(Customer)
            self.writer.add(Customer, (customer_id, name, region.code, region.currency, email,
                                       address, tax, True))
            customer = _Customer(customer_id, name, region, users, 0, None,
                                 technician=rng.choice(self.technicians))
            self._contracts(index, customer)
            self.customers.append(customer)
        self.writer.flush()

    def _contract(self, customer: _Customer, name: str, kind: str, period: str,
                  start: dt.date, end: dt.date | None = None, **rates) -> int:
        contract_id = self._id(Contract)
        values = {"hourly_rate": 0, "block_hours": "0", "block_fee": 0, "overage_rate": 0,
                  "device_count": 0, "device_rate": 0, "fixed_fee": 0}
        values.update(rates)
        self.writer.add(Contract, (
            contract_id, customer.id, name, kind, customer.region.currency, period,
            start.isoformat(), end.isoformat() if end else None, True,
            values["hourly_rate"], str(values["block_hours"]), values["block_fee"],
            values["overage_rate"], values["device_count"], values["device_rate"],
            values["fixed_fee"], True,
        ))
        return contract_id

    def _service_items(self, contract_id: int, customer: _Customer, period: str,
                       items: list[tuple[str, int | Decimal, int]]) -> None:
        factor = PERIOD_MONTHS[period]
        for description, quantity, usd in items:
            self.writer.add(ServiceItem, (
                self._id(ServiceItem), contract_id, description, str(quantity),
                _price(usd, customer.region) * factor, True,
            ))

    def _contracts(self, index: int, customer: _Customer) -> None:
        rng = self.rng
        region = customer.region
        if index < len(PLAN_CYCLE) * 3:
            kind, period = PLAN_CYCLE[index % len(PLAN_CYCLE)]
            wants_hourly = index % 3 != 2
            wants_project = index % 5 == 1
            wants_yearly = index == 0
        else:
            kind = rng.choices(("retainer", "per_device", "block_hours", "hourly"), (35, 25, 20, 20))[0]
            if kind == "hourly":
                period = "on_demand" if rng.random() < 0.3 else "monthly"
            else:
                period = "quarterly" if rng.random() < 0.12 else "monthly"
            wants_hourly = rng.random() < 0.6
            wants_project = rng.random() < 0.12
            wants_yearly = rng.random() < 0.03
        start = add_months(self.first_month, -rng.randint(1, 36))
        rate = _minor(region.hourly_rate + 5 * rng.randint(-2, 2))
        users = customer.users
        label = {"monthly": "", "quarterly": " (quarterly)", "on_demand": "", "yearly": " (annual)"}
        if kind == "retainer":
            primary = self._contract(customer, f"Managed Services{label[period]}", kind, period, start)
            items = [("Managed IT support, per user", users, 65),
                     ("Microsoft 365 Business Premium licence", users, 22),
                     ("Endpoint protection (EDR), per device", users + rng.randint(1, 6), 7)]
            if rng.random() < 0.7:
                items.append(("Cloud backup, 500 GB", rng.randint(1, 4), 90))
            if rng.random() < 0.5:
                items.append(("Firewall and network monitoring", 1, 150))
            self._service_items(primary, customer, period, items)
        elif kind == "per_device":
            devices = users + users // 3 + rng.randint(1, 5)
            primary = self._contract(customer, f"Remote Monitoring{label[period]}", kind, period, start,
                                     device_count=devices,
                                     device_rate=_price(12, region) * PERIOD_MONTHS[period])
        elif kind == "block_hours":
            hours = min(80, max(5, 5 * round(users / 10)))
            hours *= PERIOD_MONTHS[period]
            fee = int(Decimal(hours) * rate * Decimal("0.9")) // 100 * 100
            primary = self._contract(customer, f"Support Block {hours} h{label[period]}", kind, period,
                                     start, hourly_rate=rate, block_hours=hours, block_fee=fee,
                                     overage_rate=rate + _minor(region.hourly_rate) // 10 // 100 * 100)
        else:
            primary = self._contract(customer, "Time & Materials", "hourly", period, start,
                                     hourly_rate=rate)
        customer.primary = primary
        if kind in ("retainer", "per_device") and wants_hourly:
            customer.hourly = self._contract(customer, "Out-of-scope Work", "hourly",
                                             "monthly" if index % 4 else "on_demand", start,
                                             hourly_rate=rate + _minor(10))
        if wants_yearly:
            yearly = self._contract(customer, "Annual Licences", "retainer", "yearly", start)
            self._service_items(yearly, customer, "monthly", [
                ("Microsoft 365 E3 annual licence", users, 432),
                ("Domain and SSL certificate renewals", 1, 180),
            ])
        if wants_project and self.months > 1:
            project_start = add_months(self.first_month, rng.randint(0, max(0, self.months - 2)))
            project_end = add_months(project_start, rng.randint(1, 3)) - dt.timedelta(days=1)
            project = PROJECTS[rng.randrange(len(PROJECTS))]
            fee = _price(rng.choice((4500, 8000, 12000, 18500)), region)
            project_id = self._contract(customer, f"{project} {project_start.year}", "project_fixed",
                                        "on_demand", project_start, project_end, fixed_fee=fee)
            customer.projects.append((project_id, project_start, project_end))

    # ---- activity
    def _tickets_per_month(self, customer: _Customer) -> int:
        mean = 0.8 + customer.users / 8.2
        return max(0, round(self.rng.gauss(mean, mean * 0.35)))

    def _technician(self, customer: _Customer) -> str:
        if self.rng.random() < 0.6:
            return customer.technician
        return self.rng.choice(self.technicians)

    def make_month(self, start: dt.date) -> None:
        rng = self.rng
        end = add_months(start, 1)
        last_day = min(end, self.today)  # exclusive
        days = (last_day - start).days
        if days <= 0:
            return
        tickets = []  # (opened_at, customer index, customer, contract, title, closed_at, entries)
        expenses = []
        for order, customer in enumerate(self.customers):
            for _ in range(self._tickets_per_month(customer)):
                contract = customer.primary
                if customer.hourly and rng.random() < 0.35:
                    contract = customer.hourly
                title = rng.choice(TICKET_TITLES)
                tickets.append(self._ticket(start, days, order, customer, contract, title))
            for project_id, p_start, p_end in customer.projects:
                if p_start <= start <= p_end:
                    for title in rng.sample(PROJECT_TITLES, rng.randint(1, 2)):
                        tickets.append(self._ticket(start, days, order, customer, project_id, title,
                                                    close_by=p_end))
            if rng.random() < 0.3:
                expenses.append((order, customer, True, rng.choice(BILLABLE_EXPENSES), rng.randrange(days)))
            if rng.random() < 0.08:
                expenses.append((order, customer, False, rng.choice(INTERNAL_EXPENSES), rng.randrange(days)))
        tickets.sort(key=lambda t: (t[0], t[1]))
        month_tickets: dict[int, list[tuple[int, int]]] = {}  # customer order -> (ticket, contract)
        for opened, order, customer, contract, title, closed, entries in tickets:
            ticket_id = self._id(Ticket)
            status = "closed" if closed is not None else "open"
            self.writer.add(Ticket, (ticket_id, f"T-{100000 + ticket_id}", customer.id, contract,
                                     title, status, _ts(opened), _ts(closed) if closed else None))
            if closed is not None:
                month_tickets.setdefault(order, []).append((ticket_id, contract))
            for started, minutes, billable, technician, note in entries:
                self.writer.add(TimeEntry, (self._id(TimeEntry), ticket_id, technician, _ts(started),
                                            minutes, billable, note))
        self.report.tickets += len(tickets)
        for order, customer, billable, (description, usd), day in expenses:
            contract = customer.hourly or customer.primary
            ticket_id = None
            closed_here = [t for t in month_tickets.get(order, ()) if t[1] == contract]
            if closed_here and rng.random() < 0.5:
                ticket_id = rng.choice(closed_here)[0]
            amount = _price(usd, customer.region) * rng.randint(90, 110) // 100 + rng.randint(0, 99)
            date = start + dt.timedelta(days=day)
            self.writer.add(Expense, (self._id(Expense), customer.id, contract, ticket_id,
                                      date.isoformat(), description, amount, billable))
            self.report.expenses += 1
        self.writer.flush()

    def _ticket(self, start, days, order, customer, contract, title, close_by=None):
        rng = self.rng
        if "{person}" in title:
            title = title.format(person=rng.choice(customer.region.people))
        opened = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)),
                                     dt.time(rng.randint(7, 17), rng.randrange(60)))
        roll = rng.random()
        if roll < 0.7:
            hours = rng.randint(1, 48)
        elif roll < 0.95:
            hours = rng.randint(49, 240)
        else:
            hours = rng.randint(241, 960)
        closed = opened + dt.timedelta(hours=hours, minutes=rng.randrange(60))
        if close_by is not None:  # project work closes by the project's last day
            closed = min(closed, max(opened + dt.timedelta(hours=2),
                                     dt.datetime.combine(close_by, dt.time(17, 30))))
        if closed >= self.day_start or rng.random() < 0.015:
            closed = None  # still open: recent, or waiting on a vendor
        until = closed or self.day_start - dt.timedelta(hours=1)
        span = max(60, int((until - opened).total_seconds() // 60))
        entries = []
        for _ in range(rng.choice(ENTRY_COUNTS)):
            started = opened + dt.timedelta(minutes=rng.randrange(span))
            if started >= self.day_start:
                started = opened
            billable = rng.random() < 0.88
            note = rng.choice(NOTES if billable else NON_BILLABLE_NOTES)
            entries.append((started, rng.choice(MINUTES), billable, self._technician(customer), note))
        entries.sort(key=lambda e: e[0])
        self.report.time_entries += len(entries)
        return (opened, order, customer, contract, title, closed, entries)


# --------------------------------------------------------------------------- public API
def past_periods(today: dt.date, months: int) -> list[tuple[str, dt.date]]:
    """The months of a ``months``-long history that the demo bills, oldest first:
    all but the last complete month and the current one. Each comes with the
    first day after it (the batch's issue date)."""
    first = add_months(month_start(today), -(months - 1))
    last_complete = add_months(month_start(today), -1)
    periods = []
    current = first
    while current < last_complete:
        after = add_months(current, 1)
        periods.append((month_label(current), after))
        current = after
    return periods


def bill_past_periods(periods: list[tuple[str, dt.date]], progress: Progress | None = None) -> list[str] | None:
    """Bill each (period, day after) through the billing service, oldest first:
    one saved batch ``Demo <period>`` with its invoices per period, issued on
    the day after the period. Returns the periods billed, or None when the
    billing service is not available in this build."""
    try:
        from store import billing
    except ImportError:
        return None
    billed = []
    for period, after in periods:
        started = time.monotonic()
        reviewed = billing.plan(period, today=after)  # one plan serves the draft and its save
        batch = billing.create_batch(name=f"Demo {period}", period=period, actor=ACTOR,
                                     reviewed=reviewed)
        result = billing.save_batch(batch.id, actor=ACTOR, issue_date=after, today=after,
                                    reviewed=reviewed)
        billed.append(period)
        if progress:
            progress(f"billed {period}: batch {result.batch_id}, "
                     f"{len(result.invoice_numbers)} invoices ({time.monotonic() - started:.1f} s)")
    return billed


def customer_count() -> int:
    return Customer.select().count()


def make_demo(customers: int = DEFAULT_CUSTOMERS, months: int = DEFAULT_MONTHS,
              seed: int = DEFAULT_SEED, today: dt.date | None = None,
              progress: Progress | None = None, bill: bool = True) -> DemoReport:
    """Fill the open (empty) database with a demo MSP anchored at ``today``.

    Raises ValidationError if the database already has customers or the
    sizes make no sense. ``bill=False`` leaves every month unbilled.
    """
    if customers < 1:
        raise ValidationError("--customers must be at least 1")
    if months < 1:
        raise ValidationError("--months must be at least 1")
    existing = customer_count()
    if existing:
        raise ValidationError(
            f"this database already has {existing} customers; the demo only fills an empty "
            "database: give a new file with --db"
        )
    today = today or dt.date.today()
    clock = time.monotonic()
    say = progress or (lambda message: None)
    gen = _Generator(customers, months, seed, today)
    with db.atomic():
        _company_settings()
        gen.make_customers()
        say(f"{customers} customers and their contracts ({time.monotonic() - clock:.1f} s)")
        month = gen.first_month
        for _ in range(months):
            gen.make_month(month)
            month = add_months(month, 1)
        _reset_sequences()
    report = gen.report
    say(f"{report.tickets} tickets, {report.time_entries} time entries, {report.expenses} expenses "
        f"over {months} months ({time.monotonic() - clock:.1f} s)")
    if bill:
        billed = bill_past_periods(past_periods(today, months), progress)
        if billed is None:
            report.billing_available = False
            say("billing service not available: every month left unbilled")
        else:
            report.billed_periods = billed
    report.seconds = time.monotonic() - clock
    return report


def _company_settings() -> None:
    from store import settings

    settings.set_value("company_name", "Northstar Managed IT")
    settings.set_value("home_region", "US")
    settings.set_value("invoice_prefix", "NS-")
    settings.set_value("payment_terms_days", "30")
