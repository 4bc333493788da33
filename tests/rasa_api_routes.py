"""Rasa 3.6's HTTP API routes behind the token, shared by the e2e route walk and the Rasa-env check.

Here rather than in the e2e module, which imports httpx (absent from the Rasa environment), so that
tests/rasa/test_api_routes.py can compare this list with the routes Rasa itself registers.
"""

from __future__ import annotations

# Rasa 3.6's documented HTTP API (https://rasa.com/docs/rasa/pages/http-api), every route behind the token;
# "walk" stands for the conversation id.
RASA_API_ROUTES = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/walk/tracker"),
    ("POST", "/conversations/walk/tracker/events"),
    ("PUT", "/conversations/walk/tracker/events"),
    ("GET", "/conversations/walk/story"),
    ("POST", "/conversations/walk/execute"),
    ("POST", "/conversations/walk/trigger_intent"),
    ("POST", "/conversations/walk/predict"),
    ("POST", "/conversations/walk/messages"),
    ("POST", "/model/train"),
    ("POST", "/model/test/stories"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/predict"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
]
# Routes that answer without the token: the welcome text and the version.
PUBLIC_RASA_ROUTES = [("GET", "/"), ("GET", "/version")]
