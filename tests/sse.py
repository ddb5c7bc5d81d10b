"""Parse a server-sent-events body into (event, data) pairs for the tests."""

import json


def parse_sse(body: str) -> list[tuple[str, dict]]:
    """The events of an SSE body, with their JSON data decoded."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].lstrip(" "))
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
