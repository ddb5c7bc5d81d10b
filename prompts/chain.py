"""Render a support conversation into chat messages with langchain-core.

Serving and training both call `SupportPrompt.render`, so a fine-tuned model sees exactly the
format it was trained on.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.runnables import Runnable, RunnableLambda

from prompts.company import CompanyFacts, render_company_facts
from prompts.context import CustomerFacts, ReplyContext
from prompts.placeholders import delexicalize, reply_values, without_names
from prompts.templates import load_template

ChatMessages = list[dict[str, str]]
TokenCounter = Callable[[ChatMessages], int]

_LANGCHAIN_TO_CHAT_ROLE = {"system": "system", "human": "user", "ai": "assistant"}


class HistoryTurn(Protocol):
    """Anything with a role (customer, bot or agent) and a text."""

    @property
    def role(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation."""

    role: Literal["customer", "bot", "agent"]
    text: str


def to_chat_messages(messages: Sequence[BaseMessage]) -> ChatMessages:
    """LangChain messages as the role/content dicts a tokenizer chat template expects.

    Contents are stripped (templates leave a newline where a context block is empty), and a
    system message left empty by its template is dropped.
    """
    converted = [
        {"role": _LANGCHAIN_TO_CHAT_ROLE[m.type], "content": str(m.content).strip()}
        for m in messages
    ]
    return [m for m in converted if m["role"] != "system" or m["content"]]


def _history_messages(history: Sequence[HistoryTurn]) -> list[BaseMessage]:
    # Agents and the bot both speak for the company, so both are the assistant side.
    converted: list[BaseMessage] = []
    for turn in history:
        if turn.role == "customer":
            converted.append(HumanMessage(turn.text))
        elif turn.role in ("bot", "agent"):
            converted.append(AIMessage(turn.text))
    return converted


class SupportPrompt:
    """The support prompt of one template version for one company."""

    def __init__(self, version: str, company: CompanyFacts) -> None:
        files = load_template(version)
        self.version = version
        self.company = company
        self.context_blocks = files.context_blocks
        self.history_turns = files.history_turns
        self.placeholders = files.placeholders
        self._company_facts = render_company_facts(company)
        template = ChatPromptTemplate.from_messages(
            [("system", files.system), MessagesPlaceholder("history"), ("human", files.reply)]
        )
        self.chain: Runnable[dict, ChatMessages] = template | RunnableLambda(
            lambda value: to_chat_messages(value.to_messages())
        )

    def placeholder_values(
        self,
        history: Sequence[HistoryTurn],
        message: str,
        customer: CustomerFacts | None = None,
    ) -> dict[str, str]:
        """What each placeholder in a reply to `message` stands for.

        {order} is the order number the customer wrote last, else a known customer's latest order.
        """
        customer_texts = [t.text for t in history if t.role == "customer"] + [message]
        latest = customer.orders[0].order_number if customer and customer.orders else None
        return reply_values(self.company, customer_texts, latest)

    def context_text(self, context: ReplyContext) -> str:
        """The context blocks this template's model reads.

        A model that writes placeholders reads a solved ticket's reply with that ticket's own
        facts (its order number, the company's) as placeholders, as it is to write them.
        """
        if self.placeholders and "solved_reply" in self.context_blocks:
            tickets = [
                Document(doc.page_content, metadata={**doc.metadata, "reply": self.as_written(doc)})
                for doc in context.tickets
            ]
            context = replace(context, tickets=tickets)
        return context.render(self.context_blocks)

    def as_written(self, solved_ticket: Document) -> str:
        """A solved ticket's reply as this template's model writes replies: with placeholders
        for the ticket's own facts (its customer's order number, the company's) where the model
        writes placeholders."""
        if not self.placeholders:
            return solved_ticket.metadata["reply"]
        return self.without_its_facts(solved_ticket)

    def without_its_facts(self, solved_ticket: Document) -> str:
        """A solved ticket's reply with its own facts as placeholders, to fill for a customer,
        and without the name its customer signed with."""
        request = solved_ticket.metadata["customer_text"]
        reply = delexicalize(solved_ticket.metadata["reply"], reply_values(self.company, [request]))
        return without_names(reply, request)

    def render(
        self, history: Sequence[HistoryTurn], message: str, context: str = ""
    ) -> ChatMessages:
        """The chat messages for replying to `message` after `history`.

        The template may limit how much history the model sees; a template for a model that
        writes placeholders gets earlier replies with their facts turned back into placeholders.
        """
        recent = _opening_with_customer(
            history[-self.history_turns :] if self.history_turns else history
        )
        if self.placeholders:
            values = self.placeholder_values(history, message)
            recent = [
                t if t.role == "customer" else Turn(t.role, delexicalize(t.text, values))
                for t in recent
            ]
        return self.chain.invoke(
            {
                "company_name": self.company.name,
                "company_facts": self._company_facts,
                "context": context,
                "history": _history_messages(recent),
                "message": message,
            }
        )

    def render_within_budget(
        self,
        history: Sequence[HistoryTurn],
        message: str,
        count_tokens: TokenCounter,
        budget: int,
        context: str = "",
    ) -> ChatMessages:
        """Like `render`, keeping the newest history that fits `budget` tokens.

        If the message alone does not fit, its end is cut off so that the model still answers.
        """

        def history_fits(start: int) -> bool:
            return count_tokens(self.render(history[start:], message, context)) <= budget

        start = _first_fitting_turn(len(history), history_fits)
        if start < len(history) or history_fits(len(history)):
            return self.render(history[start:], message, context)

        def message_tokens(text: str) -> int:
            return count_tokens(self.render([], text, context))

        return self.render([], _shorten_to_fit(message, budget, message_tokens), context)


def _opening_with_customer(history: Sequence[HistoryTurn]) -> list[HistoryTurn]:
    """The history from its first customer turn on, as chat templates expect."""
    for index, turn in enumerate(history):
        if turn.role == "customer":
            return list(history[index:])
    return []


def _first_fitting_turn(n_turns: int, fits: Callable[[int], bool]) -> int:
    """Smallest start index whose suffix of the history fits; n_turns if none does."""
    low, high = 0, n_turns
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _shorten_to_fit(message: str, budget: int, count: Callable[[str], int]) -> str:
    while len(message) > 1 and (tokens := count(message)) > budget:
        message = message[: max(1, int(len(message) * budget / tokens * 0.9))]
    return message
