"""Fill the placeholders a reply names ({website}, {order}, ...) with the real values.

A small model cannot copy facts from its prompt, so the starter writes placeholders and the
prompt layer fills them: company facts from the company file, {order} from the order number the
customer gave. Placeholders without a value are left as they are.
"""

import re
from collections.abc import Iterable, Mapping

from prompts.company import CompanyFacts

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
ORDER_NUMBER = re.compile(r"(?<![\w-])#?((?:[A-Za-z]{1,3}-?)?\d{4,12})\b")
_LONGEST_PLACEHOLDER = 24
NO_ORDER_NUMBER = "your order"


def last_order_number(customer_texts: Iterable[str]) -> str | None:
    """The most recent order number the customer wrote, if any."""
    found = [match for text in customer_texts for match in ORDER_NUMBER.findall(text)]
    return found[-1] if found else None


def reply_values(
    company: CompanyFacts, customer_texts: Iterable[str], known_order: str | None = None
) -> dict[str, str]:
    """Every placeholder value for a reply in this conversation.

    {order} is the order number the customer wrote last, else `known_order` (their latest).
    """
    return {
        **company.placeholder_values(),
        "order": last_order_number(customer_texts) or known_order or NO_ORDER_NUMBER,
    }


# "I'm Noah", "this is Noah", "my name is Noah", "- Noah", "Thanks, Noah": how customers sign.
_INTRODUCTION = r"\bI'?m|\bI am|\bthis is|\bname is|\bname's"
_CUSTOMER_NAME = re.compile(
    rf"(?:{_INTRODUCTION}|^|[-,.!]\s*|\n)\s*([A-Z][a-z]{{2,}})\s*(?:here)?[.!]?\s*$"
    rf"|(?:{_INTRODUCTION})\s+([A-Z][a-z]{{2,}})\b"
)
_NAME_IN_REPLY = r"(?:,\s*{name}(?=[.!?,])|\s+{name}(?=[.!?,])|{name},\s*)"


def customer_name(customer_texts: Iterable[str]) -> str | None:
    """The first name the customer signed or introduced themselves with, if any."""
    for text in customer_texts:
        if match := _CUSTOMER_NAME.search(text.strip()):
            return match.group(1) or match.group(2)
    return None


# A name right after a greeting or thanks in a reply: "Hi Noah,", "Thanks, Noah."
_GREETED_NAME = re.compile(
    r"\b(Hi|Hello|Hey|Dear|Thanks|Thank you|Good (?:morning|afternoon|evening)),?\s+"
    r"[A-Z][a-z]{2,}(?=[,.!?])"
)


def without_names(reply: str, request: str) -> str:
    """`reply` without the name of the customer it was written for: the one that customer
    signed `request` with, and any name it greets or thanks ("Thanks, Noah.")."""
    if name := customer_name([request]):
        reply = re.sub(_NAME_IN_REPLY.format(name=re.escape(name)), "", reply)
    return _GREETED_NAME.sub(r"\1", reply)


def delexicalize(text: str, values: Mapping[str, str]) -> str:
    """`text` with distinctive values (website, hours, the order number, ...) as placeholders.

    Earlier replies are stored filled in; a model trained on placeholder replies should see them
    the way it wrote them. Short values such as "45" are left alone: they are too ambiguous.
    """
    distinctive = [
        (key, value)
        for key, value in values.items()
        if (len(value) >= 5 and not value.isdigit())
        or (key == "order" and value != NO_ORDER_NUMBER)
    ]
    for key, value in sorted(distinctive, key=lambda item: -len(item[1])):
        text = text.replace(value, f"{{{key}}}")
    return text


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known {placeholder} replaced by its value."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


class StreamingFiller:
    """Fills placeholders in text that arrives in pieces, holding back a possible partial one."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self._pending = ""

    def feed(self, piece: str) -> str:
        """The text that is final once `piece` arrived, with its placeholders filled."""
        text = self._pending + piece
        start = text.rfind("{")
        if start != -1 and "}" not in text[start:] and len(text) - start <= _LONGEST_PLACEHOLDER:
            text, self._pending = text[:start], text[start:]
        else:
            self._pending = ""
        return fill_placeholders(text, self.values)

    def flush(self) -> str:
        """Whatever is still held back, at the end of the stream."""
        text, self._pending = self._pending, ""
        return fill_placeholders(text, self.values)
