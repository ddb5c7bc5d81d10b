"""The web pages' HTML and the website widget's script, assembled once from frontend/.

The chat's markup lives in one file (`frontend/chat.html`) for the page at / and the widget;
the widget's script is one bundle with the libraries and the chat code scoped inside it, so
that a page embedding it gets no globals (see frontend/widget.js).
"""

import json
from functools import cache

from frontend import STATIC_DIR

CHAT_PLACEHOLDER = "<!-- supportbot:chat -->"

# The vendored libraries are UMD builds: with these names shadowed they attach themselves to
# SUPPORTBOT_ROOT instead of the page's window (or an AMD loader the page may have).
_SCOPED_LIBRARIES = """(function (globalThis, self, define, exports, module) {
%s
%s
}).call(SUPPORTBOT_ROOT, SUPPORTBOT_ROOT, SUPPORTBOT_ROOT);"""


def _read(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


@cache
def chat_page() -> str:
    """The customer chat page: index.html with the chat's markup in place."""
    return _read("index.html").replace(CHAT_PLACEHOLDER, _read("chat.html"))


@cache
def widget_script() -> str:
    """GET /widget.js: the libraries, common.js, app.js and widget.js in one function."""
    parts = [
        "/*! supportbot website widget; bundles marked (MIT) and DOMPurify (Apache-2.0) */",
        "(function () {",
        "var SUPPORTBOT_SCRIPT = document.currentScript;",
        "var SUPPORTBOT_ROOT = {};",
        f"var SUPPORTBOT_CHAT_HTML = {json.dumps(_read('chat.html'))};",
        _SCOPED_LIBRARIES % (_read("vendor/marked.min.js"), _read("vendor/purify.min.js")),
        _read("common.js"),
        _read("app.js"),
        _read("widget.js"),
        "})();",
    ]
    return "\n".join(parts)
