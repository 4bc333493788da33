"""Rasa input channels (run in the Rasa server; must not import bot.knowledge, torch or faiss)."""
