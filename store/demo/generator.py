"""The demo generator: customers and their contracts, then month by month
tickets, time entries and expenses."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from store.demo.data import *  # noqa: F403  (the tables)
from store.demo.data import _NAME_WORDS, REGIONS, Region
from store.demo.helpers import _minor, _price, _slug, _ts, add_months, month_start
from store.demo.writer import COLUMNS, _BulkWriter, _next_id
from store.demo.homes import HOMES, Home, customer_identity, region_cycle, region_weights
from store.models import CUSTOMER_IDENTITY_FIELDS, Contract, Customer, Expense, ServiceItem, Ticket, TimeEntry

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


# --------------------------------------------------------------------------- generator
class _Generator:
    def __init__(self, customers: int, months: int, seed: int, today: dt.date, home: Home = HOMES["US"]):
        self.rng = random.Random(seed)
        self.seed = seed
        self.home = home
        self.cycle = region_cycle(home, REGION_CYCLE)
        self.weights = region_weights(home, REGION_WEIGHTS)
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
        if index < len(self.cycle):
            return self.cycle[index]
        codes = [c for c, _ in self.weights]
        weights = [w for _, w in self.weights]
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
            identity, tax = customer_identity(self.home, index, self.seed, region, line, city, tax)
            email = f"accounts@{_slug(name)}.{region.tld}"
            users = max(3, min(250, int(rng.lognormvariate(3.1, 0.6))))
            customer_id = self._id(Customer)
            self.writer.add(Customer, (customer_id, name, region.code, region.currency, email,
                                       address, tax, True, *[identity[f] for f in CUSTOMER_IDENTITY_FIELDS]))
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


