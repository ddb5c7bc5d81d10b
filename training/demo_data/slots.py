"""Values for the request slots of templates: order numbers, names, dates, amounts ..."""

from __future__ import annotations

import random
from collections.abc import Callable

from .schema import CompanyProfile

FIRST_NAMES: tuple[str, ...] = (
    "Maria", "James", "Aisha", "Tom", "Priya", "Lucas", "Mei", "Daniel", "Fatima", "Noah",
    "Sofia", "Kwame", "Hannah", "Diego", "Yuki", "Liam", "Chloe", "Omar", "Emma", "Raj",
    "Grace", "Mateo", "Zoe", "Ibrahim", "Olivia", "Sam", "Ana", "Ben", "Leila", "Jack",
    "Nina", "Carlos", "Ruth", "Ethan", "Amara", "Felix", "Ines", "Victor", "Tara", "Hugo",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "garcia", "smith", "khan", "nguyen", "okafor", "miller", "rossi", "patel", "kim", "brown",
    "silva", "cohen", "jones", "lopez", "schmidt", "ali", "walsh", "tanaka", "moreau", "reyes",
)  # fmt: skip

MAIL_DOMAINS: tuple[str, ...] = ("mail.example", "inbox.example", "post.example", "webmail.example")

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

STREETS: tuple[str, ...] = (
    "Willow Lane", "Elm Street", "Harbor Road", "Maple Avenue", "Cedar Court", "Hillside Drive",
    "Station Road", "Birch Way", "Lakeview Terrace", "Orchard Close", "Mill Street", "Park Row",
)  # fmt: skip

TOWNS: tuple[str, ...] = (
    "Riverton", "Millbrook", "Ashford", "Fairview", "Greenfield", "Oakdale", "Westbury",
    "Pine Hollow", "Clearwater", "Brookside",
)  # fmt: skip

DISCOUNT_CODES: tuple[str, ...] = (
    "WELCOME10", "SPRING15", "SAVE20", "FREESHIP", "THANKYOU", "VIP25", "SUMMER10", "FRIEND15",
    "FLASH30", "NEWYEAR", "BDAY20", "EXTRA5",
)  # fmt: skip


def order_number(company: CompanyProfile, rng: random.Random) -> str:
    """An order number in the company's format, e.g. "4821934", "A48213", "LO-482193"."""
    first = str(rng.randint(1, 9))
    rest = "".join(str(rng.randint(0, 9)) for _ in range(company.order_digits - 1))
    return company.order_prefix + first + rest


def _email(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES).lower()
    last = rng.choice(LAST_NAMES)
    local = rng.choice(
        (
            f"{first}.{last}",
            f"{first}{last[0]}",
            f"{first}{rng.randint(1, 99)}",
            f"{first[0]}{last}",
        )
    )
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def _date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"


def _when(rng: random.Random) -> str:
    return rng.choice(
        (
            "yesterday",
            "last week",
            f"{rng.randint(2, 12)} days ago",
            f"on {rng.choice(WEEKDAYS)}",
            f"last {rng.choice(WEEKDAYS)}",
            "this morning",
            "two weeks ago",
            "a few days ago",
            f"on {_date(rng)}",
        )
    )


def _amount(rng: random.Random) -> str:
    """A refund amount; about a third are large enough to need a human's review."""
    if rng.random() < 0.35:
        return f"${rng.randint(26, 90) * 10}"
    return f"${rng.randint(12, 240)}"


def _address(rng: random.Random) -> str:
    return f"{rng.randint(2, 240)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}"


SAMPLERS: dict[str, Callable[[CompanyProfile, random.Random], str]] = {
    "order": order_number,
    "product": lambda company, rng: rng.choice(company.products),
    "name": lambda _company, rng: rng.choice(FIRST_NAMES),
    "agent": lambda _company, rng: rng.choice(FIRST_NAMES),
    "email": lambda _company, rng: _email(rng),
    "date": lambda _company, rng: _date(rng),
    "when": lambda _company, rng: _when(rng),
    "days": lambda _company, rng: str(rng.randint(3, 21)),
    "amount": lambda _company, rng: _amount(rng),
    "saving": lambda _company, rng: f"${rng.randint(5, 40)}",
    "address": lambda _company, rng: _address(rng),
    "code": lambda _company, rng: rng.choice(DISCOUNT_CODES),
}


def amount_value(amount: str) -> int:
    """The dollars of an amount slot such as "$640"."""
    return int(amount.removeprefix("$"))
