"""When people answer: the support team's opening hours, and the hand-off texts for the customer."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
PLACEHOLDERS = {"when": "Monday at 8:00 AM (America/Denver)", "timezone": "America/Denver"}


class OfficeHours(BaseModel):
    """Opening hours of the support team in one timezone (the same hours every open day).

    `enabled: false` means people answer around the clock: always open, no "closed" text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    timezone: str = "America/Denver"
    days: tuple[Weekday, ...] = WEEKDAYS[:6]
    open: time = time(8, 0)
    close: time = time(19, 0)
    closed_dates: tuple[date, ...] = ()  # holidays, in the office's calendar
    message_open: str = Field(min_length=1)
    message_closed: str = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {value!r}") from error
        return value

    @field_validator("open", "close", mode="before")
    @classmethod
    def _quoted_time(cls, value: object) -> object:
        if isinstance(value, int):  # YAML reads an unquoted 19:00 as the number 1140
            raise ValueError("write times in quotes, e.g. '19:00'")
        return value

    @field_validator("message_open", "message_closed")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            value.format(**PLACEHOLDERS)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"only {{when}} and {{timezone}} may be used: {error}") from error
        return value

    @model_validator(mode="after")
    def _opens_before_closing(self) -> "OfficeHours":
        if self.enabled and not self.days:
            raise ValueError("office hours need at least one open day (or enabled: false)")
        if self.open >= self.close:
            raise ValueError("open must be before close (hours across midnight are not supported)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The office's timezone."""
        return ZoneInfo(self.timezone)

    def local(self, now: datetime) -> datetime:
        """`now` in the office's timezone; a naive datetime is taken as UTC."""
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        return now.astimezone(self.zone)

    def _open_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days and day not in self.closed_dates

    def is_open(self, now: datetime) -> bool:
        """Whether people answer at `now` (always, when office hours are disabled)."""
        if not self.enabled:
            return True
        local = self.local(now)
        return self._open_day(local.date()) and self.open <= local.time() < self.close

    def next_opening(self, now: datetime) -> datetime:
        """The next time the office opens after `now`, in the office's timezone.

        While open, that is the next open day's opening. With office hours disabled, `now`.
        """
        local = self.local(now)
        if not self.enabled:
            return local
        day = local.date()
        for offset in range(366 + len(self.closed_dates)):
            candidate = day + timedelta(days=offset)
            opening = datetime.combine(candidate, self.open, tzinfo=self.zone)
            if self._open_day(candidate) and opening > local:
                return opening
        raise ValueError("the office never opens (every open day is a closed date)")

    def describe(self, moment: datetime) -> str:
        """E.g. "Monday at 8:00 AM (America/Denver)" for a local opening time."""
        hour = moment.hour % 12 or 12
        half = "AM" if moment.hour < 12 else "PM"
        return f"{moment:%A} at {hour}:{moment.minute:02d} {half} ({self.timezone})"

    def handoff_message(self, now: datetime) -> str:
        """The customer's text on hand-off: `message_open`, or `message_closed` with {when}."""
        if self.is_open(now):
            return self.message_open.format(when="shortly", timezone=self.timezone)
        when = self.describe(self.next_opening(now))
        return self.message_closed.format(when=when, timezone=self.timezone)
