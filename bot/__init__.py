"""Telegram front end (python-telegram-bot) and the local terminal chat, both talking to Rasa over HTTP."""
