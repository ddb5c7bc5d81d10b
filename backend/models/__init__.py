"""SQLModel tables and their public (API) shapes."""

from backend.models.adapter import Adapter, AdapterPromotion
from backend.models.agent import Agent
from backend.models.api_key import ApiKey, KeyRole
from backend.models.article import HelpArticle, HelpArticleBase, HelpArticlePublic
from backend.models.conversation import Conversation, ConversationStatus
from backend.models.customer import Customer
from backend.models.feedback import Feedback, Rating
from backend.models.message import Message, MessagePublic, Role
from backend.models.order import Order
from backend.models.rate_limit import RateLimitBucket
from backend.models.retrain import RetrainRun, RunStatus
from backend.models.ticket import ReviewStatus, Ticket

__all__ = [
    "Adapter",
    "AdapterPromotion",
    "Agent",
    "ApiKey",
    "Conversation",
    "ConversationStatus",
    "Customer",
    "Feedback",
    "HelpArticle",
    "HelpArticleBase",
    "HelpArticlePublic",
    "KeyRole",
    "Message",
    "MessagePublic",
    "Order",
    "RateLimitBucket",
    "Rating",
    "RetrainRun",
    "ReviewStatus",
    "Role",
    "RunStatus",
    "Ticket",
]
