"""Evaluation of replies: intent recovery, similarity to the reference, escalation."""
