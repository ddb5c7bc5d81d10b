"""The company's own facts (contact, hours, shipping, returns, policies).

They reach the model in the prompt (for models that read their context), and they fill the
placeholders ({website}, {return_days}, ...) that the starter writes in its replies. The facts
come from a YAML file (SUPPORTBOT_COMPANY_FILE); the demo shop's are the default.
"""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_COMPANY_FILE = Path(__file__).resolve().parent / "company.yaml"


class CompanyFacts(BaseModel):
    """What the assistant may state about the company."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    website: str
    support_email: str
    phone: str
    support_hours: str
    return_days: int = Field(ge=0)
    return_condition: str
    return_shipping: str
    refund_time: str
    refund_review_over: int = Field(ge=0)
    free_shipping_over: int = Field(ge=0)
    standard_delivery: str
    standard_fee: int = Field(ge=0)
    express_delivery: str
    express_fee: int = Field(ge=0)
    cancel_window: str
    payment_methods: tuple[str, ...] = Field(min_length=1)
    loyalty_program: str
    loyalty_summary: str
    price_match: str
    warranty: str
    signup_discount: int = Field(ge=0, le=100)

    def placeholder_values(self) -> dict[str, str]:
        """The text each placeholder stands for, e.g. {"website": "larkspur-outdoor.example"}."""
        values = {name: str(value) for name, value in self.model_dump().items()}
        values["company"] = values.pop("name")
        methods = self.payment_methods
        values["payment_methods"] = (
            f"{', '.join(methods[:-1])} and {methods[-1]}" if len(methods) > 1 else methods[0]
        )
        return values


def load_company(path: Path | None = None) -> CompanyFacts:
    """The company facts in `path` (YAML), or the demo shop's when no path is given."""
    data = yaml.safe_load((path or DEFAULT_COMPANY_FILE).read_text(encoding="utf-8"))
    return CompanyFacts.model_validate(data)


def render_company_facts(company: CompanyFacts) -> str:
    """The facts as the compact lines the prompt templates embed."""
    return "\n".join(
        [
            f"Contact: {company.website}, {company.support_email}, {company.phone},"
            f" {company.support_hours}",
            f"Returns: {company.return_days} days, {company.return_condition}; refunds take"
            f" {company.refund_time}. {company.return_shipping}",
            f"Shipping: {company.standard_delivery}, ${company.standard_fee}, free over"
            f" ${company.free_shipping_over}; express {company.express_delivery},"
            f" ${company.express_fee}",
            f"Cancel: {company.cancel_window}",
            f"Payment: {', '.join(company.payment_methods)}",
            f"{company.loyalty_program}: {company.loyalty_summary}",
            f"Price match: {company.price_match} Warranty: {company.warranty}",
        ]
    )
