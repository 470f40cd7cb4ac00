"""secbot: the Smart Energy Code Modifications Register in chat.

The package is organised as one flow with several doors: chat adapters (``secbot.platforms``) turn a
platform event into text, ``secbot.commands`` parses and answers it through the query layer
(``secbot.store.queries``), and the answer comes back as a platform-neutral ``secbot.replies.Reply``.
"""

__version__ = "0.1.0"
