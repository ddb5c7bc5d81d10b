"""The offline starter: a small Llama-architecture support model trained from scratch."""
