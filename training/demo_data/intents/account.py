"""Customer accounts: signing up, signing in, changing or deleting them, emails, rewards."""

from __future__ import annotations

from ..fragments import ACCOUNT_CONTEXTS, GENERAL_CONTEXTS
from ..spec import IntentSpec

CREATE_ACCOUNT = IntentSpec(
    name="create_account",
    category="ACCOUNT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "How do I create an account?",
        "I want to sign up",
        "Can I make an account?",
        "How do I register?",
        "I'd like to open an account with you",
        "Where's the sign up page?",
        "Is it free to create an account?",
        "How do I set up a {short_name} account?",
        "sign up how",
        "I want to register with my email {email}",
        "Can you create an account for me?",
        "What do I need to make an account?",
        "Registering a new account, where do I start?",
        "I'm new here, how do I join?",
        "I want an account so I can track my orders",
        "Help me create an account",
        "how to make account on {website}",
    ),
    replies=(
        "Creating an account is free: click Sign up at the top of {website}, enter your email "
        "and a password, then confirm with the link we email you.",
        "You can register at {website} by selecting Sign up. Once you confirm your email "
        "address, you can track orders, save addresses and collect {loyalty_program} points.",
        "Just head to {website}, click Sign up and follow the steps. It's free, takes about a "
        "minute, and you'll get an email to activate the account.",
        "I can't create accounts from this chat, but it's quick to do yourself: go to "
        "{website}, choose Sign up, and confirm your email address with the link we send.",
        "Go to {website}, choose Sign up and register with {email}; we'll send a confirmation "
        "link to that address to activate the account.",
    ),
)

DELETE_ACCOUNT = IntentSpec(
    name="delete_account",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "I want to delete my account",
        "Please close my account",
        "How do I remove my account and data?",
        "Delete my profile",
        "I don't want an account with you anymore",
        "Can you erase all my personal data?",
        "How can I deactivate my account?",
        "Please remove my account linked to {email}",
        "I'd like to close my {short_name} account",
        "delete account pls",
        "Can I permanently delete my account?",
        "I want my details removed from your system",
        "How do I get rid of my account?",
        "Close my account please, I'm done",
        "Is there a way to delete my customer account?",
        "Remove me from your customer database",
    ),
    replies=(
        "I'm sorry to see you go. You can delete your account under Account Settings > Privacy "
        "on {website}, or email {support_email} and we'll do it within 30 days.",
        "You can close your account under Account Settings on {website}. This permanently "
        "removes your personal data, except order records we must keep for tax purposes.",
        "To delete your account, email {support_email} from the address on the account, and "
        "our team will remove it and your personal data. Unused {loyalty_program} points will "
        "be lost.",
        "Sure. Go to Account Settings > Privacy on {website} and select Delete account. You'll "
        "get an email confirming the deletion.",
        "For security, deleting the account for {email} has to be confirmed from that "
        "address: please email {support_email} from it, and we'll remove the account and "
        "your data.",
    ),
)

RESET_PASSWORD = IntentSpec(
    name="reset_password",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "I forgot my password",
        "How do I reset my password?",
        "Can't remember my password",
        "I need a new password",
        "Password reset please",
        "The reset email never arrived",
        "How do I change my password?",
        "I lost my password, help",
        "The reset link isn't working",
        "forgot pw",
        "Can you send me a password reset link?",
        "Where do I reset my password?",
        "Send a reset link to {email}",
        "I need to recover my password",
        "The password reset link expired",
        "what do i do if i forgot my password",
        "I want to set a new password for {email}",
    ),
    replies=(
        "No problem. Click Forgot password on the sign-in page at {website} and we'll email "
        "you a reset link. It's valid for 1 hour, so check your spam folder if you don't see it.",
        "You can reset it yourself: choose Forgot password when signing in, enter your email and "
        "follow the link we send. If it doesn't arrive within 10 minutes, check your spam "
        "folder.",
        "Head to the sign-in page on {website} and select Forgot password. A fresh reset link "
        "will be emailed to you; links expire after an hour, so use the newest one.",
        "For security I can't change passwords in chat, but Forgot password on {website} "
        "emails you a reset link right away. Still no email? Write to {support_email}.",
        "Please use Forgot password on {website} and enter {email}; the reset link will go to "
        "that address. If it doesn't arrive, check your spam folder.",
    ),
)

UPDATE_ACCOUNT = IntentSpec(
    name="update_account",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "How do I change my email address?",
        "I need to update my phone number",
        "Can I change the name on my account?",
        "I want to update my account details",
        "How do I edit my profile?",
        "Change my email to {email}",
        "I got married and need to change my last name",
        "Where do I update my saved address?",
        "How can I change my account information?",
        "Need to update my billing details",
        "Update my contact info please",
        "My details are out of date, how do I fix them?",
        "how to edit account info",
        "I want to add a new address to my account",
        "Please update the email on my account to {email}",
        "Can I change the phone number on my profile?",
    ),
    replies=(
        "You can update your name, email, phone number and saved addresses under Account "
        "Settings on {website}. Changes save straight away.",
        "Sign in at {website} and open Account Settings to edit your details. If you change "
        "your email, we'll send a confirmation link to the new address.",
        "For security, account details can only be changed by you: sign in to {website} and "
        "go to Account Settings > Profile. If you're locked out, email {support_email}.",
        "Just sign in and head to Account Settings on {website}, where you can edit your "
        "profile, addresses and payment details.",
        "To switch your email to {email}, sign in to {website}, go to Account Settings and "
        "enter the new address; we'll send a confirmation link to {email}.",
    ),
)

LOGIN_PROBLEM = IntentSpec(
    name="login_problem",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "I can't log in",
        "My login isn't working",
        "It says my password is wrong but it's right",
        "I'm locked out of my account",
        "The site won't let me sign in",
        "Login keeps failing",
        "My account is locked",
        "can't sign in to my account",
        "I get an error when logging in",
        "It says no account exists for {email}",
        "The login page just reloads",
        "Signing in doesn't work for me",
        "can't access my account",
        "Sign in broken?",
        "My password doesn't work anymore",
        "Keeps saying invalid credentials",
        "Why can't I log into my account?",
    ),
    replies=(
        "Sorry you're having trouble signing in. Try Forgot password on {website} to set a new "
        "password. After 5 failed attempts the account locks for 30 minutes, so wait a bit if "
        "you've tried several times.",
        "Please clear your browser cache or try a private window, then sign in again. If it "
        "still fails, reset your password with Forgot password, or email {support_email} and "
        "we'll unlock the account.",
        "That's annoying, sorry. Check that you're using the email you registered with, then "
        "use Forgot password on {website} if needed. Our team at {support_email} can help if "
        "you're still locked out.",
        "Let's get you back in. Reset your password from the sign-in page on {website}; if the "
        "reset email or verification code doesn't arrive, check spam and then contact "
        "{support_email}.",
        "Please check that {email} is the address you signed up with; you may have registered "
        "with another one. If you're sure it is, email {support_email} and we'll look into it.",
    ),
)

NEWSLETTER_SUBSCRIBE = IntentSpec(
    name="newsletter_subscribe",
    category="ACCOUNT",
    contexts=GENERAL_CONTEXTS,
    requests=(
        "How do I sign up for your newsletter?",
        "I want to get your emails",
        "Subscribe me to the newsletter",
        "Can I join your mailing list?",
        "Please add {email} to your newsletter",
        "Do you have a newsletter?",
        "I'd like to hear about new products",
        "How do I get updates about sales?",
        "sign me up for emails",
        "Where can I subscribe to your emails?",
        "I want to receive your promotional emails",
        "Put me on the mailing list please",
        "How do I get notified about new arrivals?",
        "Can I subscribe to updates?",
        "newsletter signup?",
        "I'd love to get your emails",
    ),
    replies=(
        "You can subscribe at the bottom of any page on {website}: just enter your email. New "
        "subscribers get {signup_discount}% off their first order.",
        "Great to have you! Enter your email in the newsletter box at the bottom of {website}, "
        "and we'll send a {signup_discount}% welcome code once you confirm.",
        "Sign up with the newsletter form on {website} or under Account Settings > Preferences. "
        "You'll hear about new products and offers first.",
        "Happy to hear that! Subscribe with the form at the bottom of {website}, confirm with "
        "the email we send, and your {signup_discount}% off code follows.",
        "To add {email}, enter it in the newsletter box at the bottom of {website} and click "
        "the confirmation link we send. For privacy, you have to confirm subscriptions "
        "yourself.",
    ),
)

NEWSLETTER_UNSUBSCRIBE = IntentSpec(
    name="newsletter_unsubscribe",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "Unsubscribe me",
        "Stop sending me emails",
        "How do I unsubscribe from the newsletter?",
        "I get too many emails from you",
        "Please remove {email} from your mailing list",
        "I want to opt out of marketing emails",
        "Take me off your list",
        "How do I stop the promotional emails?",
        "no more newsletters please",
        "I never signed up for these emails",
        "Cancel my newsletter subscription",
        "Your emails are spam, stop",
        "Can I get fewer emails?",
        "How do I turn off marketing emails?",
        "the unsubscribe link doesn't work",
        "I'd like to stop receiving your newsletter",
    ),
    replies=(
        "Sorry for the clutter! Click Unsubscribe at the bottom of any of our emails, or turn "
        "off marketing emails under Account Settings > Preferences on {website}. It takes "
        "effect within 48 hours.",
        "You can opt out with the Unsubscribe link in any newsletter, or under Account Settings "
        "> Preferences. You'll still get order and delivery emails.",
        "No problem. Use the Unsubscribe link at the bottom of our emails. If that doesn't "
        "work, email {support_email} and we'll remove you by hand.",
        "The Unsubscribe link is at the bottom of every newsletter, and you can also switch "
        "marketing emails off in Account Settings. Changes can take up to 48 hours.",
        "To remove {email}, click Unsubscribe at the bottom of any of our emails, or email "
        "{support_email} from that address and we'll take it off the list.",
    ),
)

LOYALTY_PROGRAM = IntentSpec(
    name="loyalty_program",
    category="ACCOUNT",
    contexts=ACCOUNT_CONTEXTS,
    requests=(
        "How does your rewards program work?",
        "Do you have a loyalty program?",
        "How many points do I have?",
        "How do I join {loyalty_program}?",
        "How do I use my points?",
        "What do I get from {loyalty_program}?",
        "Do I earn points on every order?",
        "Where can I see my points?",
        "Is there a membership program?",
        "What are the perks of {loyalty_program}?",
        "How do reward points work?",
        "Can I redeem points at checkout?",
        "sign me up for rewards",
        "Are there any benefits for regular customers?",
        "How much are points worth?",
        "I want to join the rewards program",
        "Is {loyalty_program} free?",
    ),
    replies=(
        "{loyalty_program} is free to join with a {short_name} account: {loyalty_summary}. "
        "You can see your points under Account > Rewards on {website}.",
        "With {loyalty_program}, {loyalty_summary}. It's free to join on {website}, and your "
        "points balance is under Account > Rewards.",
        "Our loyalty program is called {loyalty_program}: {loyalty_summary}. Your balance and "
        "history are under Account > Rewards.",
        "{loyalty_program} membership is free, and {loyalty_summary}. Points usually appear "
        "within 48 hours of your order shipping, under Account > Rewards.",
    ),
)

SPECS: tuple[IntentSpec, ...] = (
    CREATE_ACCOUNT,
    DELETE_ACCOUNT,
    RESET_PASSWORD,
    UPDATE_ACCOUNT,
    LOGIN_PROBLEM,
    NEWSLETTER_SUBSCRIBE,
    NEWSLETTER_UNSUBSCRIBE,
    LOYALTY_PROGRAM,
)
