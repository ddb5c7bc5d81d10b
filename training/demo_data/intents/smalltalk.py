"""Greetings, thanks and goodbyes."""

from __future__ import annotations

from ..spec import IntentSpec

GREETING = IntentSpec(
    name="greeting",
    category="SMALLTALK",
    decorate=False,
    requests=(
        "Hi",
        "Hello",
        "Hey there",
        "Hi there!",
        "Good morning",
        "Good afternoon",
        "Good evening",
        "Hello, anyone there?",
        "Hey, is this the support chat?",
        "Hi, I have a question",
        "hello?",
        "Hi {short_name} team",
        "Hey! Quick question for you",
        "Morning!",
        "Hi, this is {name}",
        "Hello, my name is {name}",
        "yo",
        "Hiya",
        "Greetings",
        "Is anyone available to help?",
        "Hi, can you help me with something?",
        "hey {short_name}",
    ),
    replies=(
        "Hi! Welcome to {company} support. How can I help you today?",
        "Hello and thanks for reaching out to {company}. What can I do for you?",
        "Hi there! I'm the {short_name} support assistant. What can I help you with?",
        "Hey! Happy to help. What would you like to know?",
        "Hello! You're chatting with {company} support. How can I help?",
        "Hi {name}, nice to meet you! What can I help you with today?",
        "Hello {name}! Welcome to {company} support. How can I help?",
    ),
)

THANKS = IntentSpec(
    name="thanks",
    category="SMALLTALK",
    decorate=False,
    requests=(
        "Thanks!",
        "Thank you so much",
        "thx",
        "ty",
        "Thanks, that helps",
        "Great, thank you",
        "Perfect, thanks a lot",
        "Cheers",
        "Awesome, thanks for the help",
        "Thank you, that answers my question",
        "ok thanks",
        "Much appreciated",
        "Thanks for sorting that out",
        "That's really helpful, thank you",
        "You've been very helpful",
        "Brilliant, cheers",
        "thanks a bunch",
        "Many thanks for your help",
        "cool thank you",
    ),
    replies=(
        "You're welcome! Is there anything else I can help you with?",
        "Happy to help! Let me know if anything else comes up.",
        "My pleasure. Have a great day from all of us at {company}!",
        "Glad I could help! If you need anything else, I'm right here.",
        "You're very welcome. Anything else I can do for you today?",
    ),
)

GOODBYE = IntentSpec(
    name="goodbye",
    category="SMALLTALK",
    decorate=False,
    requests=(
        "Bye",
        "Goodbye",
        "That's all, bye",
        "ok bye",
        "See you",
        "That's everything, have a nice day",
        "Nothing else. Bye!",
        "I'm all set, bye",
        "Talk later",
        "Have a good one",
        "No that's it",
        "Bye for now",
        "cya",
        "That's all I needed, take care",
        "All good now, goodbye",
        "No more questions, bye",
        "I'm done here, bye",
        "Gotta go, bye",
    ),
    replies=(
        "Goodbye! Thanks for chatting with {company}, and have a great day.",
        "Take care! If anything else comes up, just start a new chat.",
        "Thanks for contacting {company}. Have a lovely day!",
        "Bye for now, and thanks for shopping with {company}!",
        "Have a great day! We're here whenever you need us.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (GREETING, THANKS, GOODBYE)
