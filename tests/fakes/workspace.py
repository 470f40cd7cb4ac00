"""The one pretend Slack workspace that every fake in this package agrees on.

The fake Web API (``slack_api.FakeSlack``) answers ``auth.test`` with these IDs, and the request
builders (``slack_requests``) put the same IDs into the payloads Slack would send us, so that
slack-bolt's authorization and "ignore my own events" checks line up as they do in production.
"""

from __future__ import annotations

TEAM_ID = "T0001"
TEAM_NAME = "Secbot Test"
TEAM_DOMAIN = "secbot-test"
TEAM_URL = f"https://{TEAM_DOMAIN}.slack.com/"
API_APP_ID = "A0001"
BOT_USER_ID = "UBOT"  # the app's bot *user*: what <@...> mentions and authorizations[].user_id name
BOT_ID = "BBOT"  # the app's bot *record*: message.bot_id on what the app posts
BOT_USER_NAME = "secbot"
# The legacy verification token Slack still puts in every payload; bolt ignores it in favour of
# the signing secret, so any value does.
VERIFICATION_TOKEN = "verification-token-not-a-secret"
SIGNING_SECRET = "secbot-test-signing-secret"
BOT_TOKEN = "xoxb-test"
