"""SQLModel tables and their public (API) shapes."""

from backend.models.conversation import Conversation, ConversationStatus
from backend.models.customer import Customer
from backend.models.feedback import Feedback, Rating
from backend.models.message import Message, MessagePublic, Role

__all__ = [
    "Conversation",
    "ConversationStatus",
    "Customer",
    "Feedback",
    "Message",
    "MessagePublic",
    "Rating",
    "Role",
]
