"""OpenAPI links: which values of a response feed which routes next (a started conversation's id
and token, a resolved conversation's ticket). Clients read them; stateful API tests follow them."""

from typing import Any

_CONVERSATION = "$response.body#/conversation_id"


def _operation(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _link(path: str, method: str, description: str, **fields: Any) -> dict[str, Any]:
    return {"operationRef": _operation(path, method), "description": description, **fields}


def links_on(status_code: int, **links: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of a route: these links on its response with `status_code`."""
    return {"responses": {str(status_code): {"links": links}}}


_CUSTOMER = {
    "path.conversation_id": _CONVERSATION,
    "header.x-conversation-token": "$response.body#/conversation_token",
}
_AGENT = {"path.conversation_id": _CONVERSATION}

CHAT_LINKS = links_on(
    200,
    ContinueChat=_link(
        "/api/chat",
        "post",
        "The customer's next message (the token is returned when the chat starts).",
        parameters={"header.x-conversation-token": "$response.body#/conversation_token"},
        requestBody={"conversation_id": _CONVERSATION},
    ),
    ReadConversation=_link(
        "/api/conversations/{conversation_id}", "get", "The messages.", parameters=_CUSTOMER
    ),
    FollowConversation=_link(
        "/api/conversations/{conversation_id}/events", "get", "Live updates.", parameters=_CUSTOMER
    ),
    RateReply=_link(
        "/api/conversations/{conversation_id}/feedback",
        "post",
        "Rate the bot's reply.",
        parameters=_CUSTOMER,
        requestBody={"message_id": "$response.body#/message_id"},
    ),
    ReadInInbox=_link(
        "/api/agent/conversations/{conversation_id}", "get", "An agent's view.", parameters=_AGENT
    ),
    DraftReply=_link(
        "/api/agent/conversations/{conversation_id}/draft",
        "post",
        "The bot's suggestion for an agent.",
        parameters=_AGENT,
    ),
    AgentReply=_link(
        "/api/agent/conversations/{conversation_id}/messages",
        "post",
        "An agent takes over.",
        parameters=_AGENT,
    ),
    HandBack=_link(
        "/api/agent/conversations/{conversation_id}/hand-back",
        "post",
        "The bot answers again.",
        parameters=_AGENT,
    ),
    Resolve=_link(
        "/api/agent/conversations/{conversation_id}/resolve",
        "post",
        "Close the conversation.",
        parameters=_AGENT,
    ),
)

RESOLVED_LINKS = links_on(
    200,
    ApproveTicket=_link(
        "/api/admin/review/{ticket_id}/approve",
        "post",
        "Approve the solved ticket for training.",
        parameters={"path.ticket_id": "$response.body#/ticket_id"},
    ),
    RejectTicket=_link(
        "/api/admin/review/{ticket_id}/reject",
        "post",
        "Keep the ticket out of training.",
        parameters={"path.ticket_id": "$response.body#/ticket_id"},
    ),
)

COMPLETION_LINKS = links_on(
    200,
    ContinueCompletion=_link(
        "/v1/chat/completions",
        "post",
        "The next message in the same conversation (one of this API key's).",
        requestBody={"metadata": {"conversation_id": "$response.body#/supportbot/conversation_id"}},
    ),
)
