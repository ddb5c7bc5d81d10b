"""A caller's stop sequences and token budget cut a streamed reply where OpenAI's would."""

from backend.services.reply_limits import ReplyLimiter


def stream(limiter: ReplyLimiter, pieces: list[str]) -> str:
    return "".join(limiter.feed(p) for p in pieces) + limiter.flush()


def test_a_stop_sequence_split_across_pieces_ends_the_reply_before_it():
    limiter = ReplyLimiter(stop=["\nCustomer:"])
    sent = stream(limiter, ["Your order ships today.", "\nCust", "omer: thanks", " more"])
    assert sent == limiter.text == "Your order ships today."
    assert limiter.finish_reason == "stop"


def test_text_that_only_looks_like_the_start_of_a_stop_sequence_is_sent_in_the_end():
    limiter = ReplyLimiter(stop=["END"])
    assert limiter.feed("We send it at the EN") == "We send it at the "  # "EN" held back
    assert limiter.feed("D of the day") == ""
    assert limiter.text == "We send it at the " and limiter.finish_reason == "stop"
    other = ReplyLimiter(stop=["END"])
    assert stream(other, ["Back in the E", "U soon"]) == "Back in the EU soon"
    assert other.finish_reason is None


def test_the_first_of_several_stop_sequences_wins():
    limiter = ReplyLimiter(stop=["2.", "1."])
    assert stream(limiter, ["Steps: 1. Log in 2. Pay"]) == "Steps: "


def test_the_token_budget_cuts_at_a_whole_piece_and_says_length():
    limiter = ReplyLimiter(max_tokens=4)  # counted in words here; the model's tokens when served
    sent = stream(limiter, ["One two ", "three four five ", "six"])
    assert sent == "One two three four " and limiter.finish_reason == "length"
    assert ReplyLimiter(max_tokens=10).feed("short reply") == "short reply"
